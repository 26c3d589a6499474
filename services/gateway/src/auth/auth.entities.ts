import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Millisecond timestamps are stored as bigint; MySQL hands them back as strings. */
export const epochMs = { to: (v: number | null) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) };

/** A console user: a projection of `gateway.User*` events. */
@Entity('gateway_users')
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 64, unique: true }) username!: string;
  @Column({ name: 'password_hash', type: 'varchar', length: 255 }) passwordHash!: string;
  @Column({ type: 'varchar', length: 16 }) role!: string;
  @Column({ name: 'must_change_password', type: 'boolean' }) mustChangePassword!: boolean;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs }) createdAt!: number;
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs }) updatedAt!: number;
}

/** A browser login session; the id is the SHA-256 of the cookie value, never the value itself. */
@Entity('gateway_sessions')
export class SessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) id!: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36 }) userId!: string;
  @Column({ name: 'csrf_token', type: 'varchar', length: 64 }) csrfToken!: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs }) createdAt!: number;
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs }) expiresAt!: number;
}

/** An API token for CLI and automation; only its SHA-256 is kept. A projection of `gateway.Token*` events. */
@Entity('gateway_api_tokens')
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36 }) userId!: string;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true }) tokenHash!: string;
  @Column({ type: 'varchar', length: 16 }) prefix!: string;
  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs }) createdAt!: number;
  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: epochMs }) expiresAt!: number | null;
  @Column({ name: 'last_used_at', type: 'bigint', nullable: true, transformer: epochMs }) lastUsedAt!: number | null;
  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs }) revokedAt!: number | null;
  /** `read-write` (acts with the owner's role) or `read-only` (acts as viewer, never changes anything). */
  @Column({ type: 'varchar', length: 16, default: 'read-write' }) scope!: string;
}

/** A password or token hash under the reference events name it by (events never carry it); not a read model. */
@Entity('gateway_secrets')
export class SecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) ref!: string;
  @Column({ type: 'varchar', length: 255 }) value!: string;
}

/** When an API token was last used: volatile (written at most once a minute per token), kept apart from the projection. */
@Entity('gateway_token_usage')
export class TokenUsageEntity {
  @PrimaryColumn({ name: 'token_id', type: 'varchar', length: 36 }) tokenId!: string;
  @Column({ name: 'last_used_at', type: 'bigint', transformer: epochMs }) lastUsedAt!: number;
}
