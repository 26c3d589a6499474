import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A service in the tree (read model). */
@Entity({ name: 'registry_service' })
export class ServiceEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  @Column({ type: 'varchar', length: 32 })
  protocol!: string;

  @Column({ type: 'varchar', length: 512 })
  memo!: string;

  @Column({ type: 'varchar', length: 32, name: 'created_at' })
  createdAt!: string;
}

/** A configured instance of a service (read model). */
@Entity({ name: 'registry_instance' })
export class InstanceEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  service!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  ip!: string;

  @PrimaryColumn({ type: 'int' })
  port!: number;

  @Column({ type: 'int' })
  weight!: number;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** Comma-separated tags routing rules send requests to; '' for none. */
  @Column({ type: 'varchar', length: 1100, default: '' })
  tags!: string;

  /** The host whose going offline disabled this instance ('' otherwise): bringing it online enables it again. */
  @Column({ type: 'varchar', length: 128, name: 'disabled_by_host', default: '' })
  disabledByHost!: string;
}
