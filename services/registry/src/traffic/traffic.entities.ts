import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A service's traffic policy (read model): rate limits and callers' breaker settings, as JSON. */
@Entity({ name: 'registry_traffic' })
export class TrafficEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  service!: string;

  @Column({ type: 'int' })
  version!: number;

  /** JSON list of {method, qps, burst?}, by method. */
  @Column({ type: 'text' })
  limits!: string;

  /** JSON object of breaker settings; `{}` for the defaults. */
  @Column({ type: 'text' })
  breaker!: string;

  @Column({ type: 'varchar', length: 64, name: 'updated_by' })
  updatedBy!: string;

  @Column({ type: 'varchar', length: 32, name: 'updated_at' })
  updatedAt!: string;
}
