import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One host as last seen through its agent's heartbeats. */
@Entity({ name: 'deploy_hosts' })
export class HostRecord {
  @PrimaryColumn({ type: 'varchar', length: 128, name: 'host_id' })
  hostId!: string;

  @Column({ type: 'varchar', length: 64 })
  ip!: string;

  @Column({ type: 'varchar', length: 8 })
  status!: 'up' | 'down';

  @Column({ type: 'bigint', name: 'last_seen_at' })
  lastSeenAt!: string | number;

  @Column({ type: 'integer', name: 'interval_ms' })
  intervalMs!: number;

  @Column({ type: 'text', name: 'metrics_json' })
  metricsJson!: string;

  @Column({ type: 'text', name: 'instances_json' })
  instancesJson!: string;
}

/** A host taken offline for maintenance (projection of deploy.HostTakenOffline; deleted when it is brought online). */
@Entity({ name: 'deploy_host_maintenance' })
export class HostMaintenanceRecord {
  @PrimaryColumn({ type: 'varchar', length: 128, name: 'host_id' })
  hostId!: string;

  @Column({ type: 'varchar', length: 64 })
  ip!: string;

  @Column({ type: 'bigint' })
  since!: string | number;

  @Column({ type: 'varchar', length: 160, name: 'taken_by' })
  by!: string;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;
}
