import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A service's traffic policy (read model): rate limits, callers' breaker settings and routing rules, as JSON. */
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

  /** JSON list of routing rules in the order callers try them; null for none. */
  @Column({ type: 'text', nullable: true })
  routes!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'updated_by' })
  updatedBy!: string;

  @Column({ type: 'varchar', length: 32, name: 'updated_at' })
  updatedAt!: string;
}
