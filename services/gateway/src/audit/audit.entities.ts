import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../auth/auth.entities.js';

/** One mutating REST call: who, what, when, and how it ended. */
@Entity('gateway_audit_log')
@Index('idx_gateway_audit_at', ['at'])
export class AuditEntryEntity {
  /** The sequence of the entry's event in the audit stream (an imported entry keeps its former id). */
  @PrimaryColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'bigint', transformer: epochMs }) at!: number;
  @Column({ type: 'varchar', length: 64 }) actor!: string;
  @Column({ type: 'varchar', length: 16 }) role!: string;
  @Column({ type: 'varchar', length: 8 }) via!: string;
  @Column({ type: 'varchar', length: 8 }) method!: string;
  @Column({ type: 'varchar', length: 300 }) path!: string;
  @Column({ type: 'integer' }) status!: number;
  @Column({ type: 'varchar', length: 64 }) result!: string;
  @Column({ type: 'varchar', length: 64 }) ip!: string;
  @Column({ name: 'request_id', type: 'varchar', length: 64 }) requestId!: string;
  /** What the call did beyond its result, when the handler says (e.g. "revoked 2 sessions, 3 API tokens"). */
  @Column({ type: 'varchar', length: 200, nullable: true }) detail!: string | null;
}
