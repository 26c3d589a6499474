import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One release plan with its per-host steps (JSON): the durable state BullMQ jobs resume from. */
@Entity({ name: 'deploy_releases' })
@Index('idx_deploy_releases_service', ['service', 'createdAt'])
export class ReleaseRecord {
  @PrimaryColumn({ type: 'varchar', length: 36, name: 'plan_id' })
  planId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: 'release' | 'rollback';

  @Column({ type: 'varchar', length: 128 })
  service!: string;

  @Column({ type: 'integer' })
  port!: number;

  @Column({ type: 'text', name: 'target_json' })
  targetJson!: string;

  @Column({ type: 'text', name: 'strategy_json' })
  strategyJson!: string;

  @Column({ type: 'text', name: 'hosts_json' })
  hostsJson!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: string;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'integer', name: 'run_no' })
  runNo!: number;

  @Column({ type: 'integer', name: 'canary_approved' })
  canaryApproved!: number;

  @Column({ type: 'bigint', name: 'created_at' })
  createdAt!: string | number;

  @Column({ type: 'bigint', name: 'updated_at' })
  updatedAt!: string | number;
}
