import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One command an agent received, with its outcome (from `msec.events.agent.<hostId>.audit`). */
@Entity({ name: 'deploy_audit' })
@Index('idx_deploy_audit_host', ['hostId', 'receivedAt'])
export class AuditRecord {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 128, name: 'host_id' })
  hostId!: string;

  @Column({ type: 'varchar', length: 64, name: 'command_id', nullable: true })
  commandId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  type!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  code!: string | null;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 32, name: 'key_id', nullable: true })
  keyId!: string | null;

  @Column({ type: 'varchar', length: 64, name: 'args_digest', nullable: true })
  argsDigest!: string | null;

  @Column({ type: 'bigint', name: 'received_at' })
  receivedAt!: string | number;

  @Column({ type: 'integer', name: 'duration_ms' })
  durationMs!: number;

  @Column({ type: 'bigint', name: 'issued_at', nullable: true })
  issuedAt!: string | number | null;

  @Column({ type: 'varchar', length: 160, name: 'requested_by', nullable: true })
  requestedBy!: string | null;
}
