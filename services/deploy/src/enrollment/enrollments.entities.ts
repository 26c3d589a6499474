import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One enrolment token for a new host: stored by hash, redeemable once before it expires. */
@Entity({ name: 'deploy_host_enrollments' })
export class HostEnrollmentRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 128, name: 'host_id' })
  hostId!: string;

  @Index('uq_deploy_host_enrollments_token', { unique: true })
  @Column({ type: 'varchar', length: 64, name: 'token_hash' })
  tokenHash!: string;

  @Column({ type: 'bigint', name: 'created_at' })
  createdAt!: string | number;

  @Column({ type: 'bigint', name: 'expires_at' })
  expiresAt!: string | number;

  @Column({ type: 'varchar', length: 160, name: 'created_by' })
  createdBy!: string;

  @Column({ type: 'bigint', name: 'redeemed_at', nullable: true })
  redeemedAt!: string | number | null;

  @Column({ type: 'varchar', length: 64, name: 'redeemed_from', nullable: true })
  redeemedFrom!: string | null;

  @Column({ type: 'bigint', name: 'revoked_at', nullable: true })
  revokedAt!: string | number | null;
}
