import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A registered Redis Cluster: a name and the seed nodes used to reach it; a projection of `kv-admin.Cluster*` events. */
@Entity({ name: 'kv_clusters' })
export class KvClusterEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  /** JSON array of host:port. */
  @Column({ type: 'text' })
  seeds!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  /** The cluster's Redis password sealed with AES-256-GCM (PasswordBox); null when it has none. */
  @Column({ name: 'password_sealed', type: 'text', nullable: true })
  passwordSealed!: string | null;
}

/** One operation (a BullMQ job) with the state it needs to resume and its progress; the rows are the history. */
@Entity({ name: 'kv_operations' })
@Index('idx_kv_operations_cluster', ['cluster', 'createdAt'])
@Index('uq_kv_operations_active', ['activeCluster'], { unique: true })
export class KvOperationEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  cluster!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: string;

  /** The cluster name while queued or running, else null: a unique index allows one active operation per cluster. */
  @Column({ name: 'active_cluster', type: 'varchar', length: 64, nullable: true })
  activeCluster!: string | null;

  /** JSON of the validated request. */
  @Column({ type: 'text' })
  params!: string;

  /** JSON of the operation's checkpoint (plan, completed steps); what a resumed run continues from. */
  @Column({ type: 'text' })
  state!: string;

  @Column({ type: 'int' })
  percent!: number;

  @Column({ type: 'varchar', length: 128 })
  step!: string;

  @Column({ type: 'varchar', length: 1024 })
  message!: string;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'int' })
  runs!: number;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'started_at', type: 'varchar', length: 32, nullable: true })
  startedAt!: string | null;

  @Column({ name: 'finished_at', type: 'varchar', length: 32, nullable: true })
  finishedAt!: string | null;
}

/**
 * Sealed cluster passwords by reference. Registration events name a password only by this reference (events reach
 * automation subscribers), so this table is kv-admin's own record, not a read model: a rebuild keeps it.
 */
@Entity({ name: 'kv_cluster_secrets' })
export class KvClusterSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  ref!: string;

  /** The password sealed with AES-256-GCM (PasswordBox). */
  @Column({ type: 'text' })
  sealed!: string;
}
