import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs } from '../auth/auth.entities.js';

/** One mutating REST call: who, what, when, and how it ended. */
@Entity('gateway_audit_log')
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
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
}
