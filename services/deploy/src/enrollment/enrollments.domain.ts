import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import {
  ValidationError,
  isIdentityToken,
  type HostEnrollmentCreated,
  type HostEnrollmentGrant,
  type HostEnrollmentView,
  type NatsAccountSigner,
} from '@msec/contracts';
import { enrollTokenInvalid, enrollUnavailable, notFound } from '../deploy.errors.js';
import type { KeysDomain } from '../signing/keys.domain.js';
import { HostEnrollmentRecord } from './enrollments.entities.js';

/** Every enrolment token starts with this, so a leaked one is easy to scan for. */
export const ENROLL_TOKEN_PREFIX = 'msec_enroll_';
/** How long a token stays redeemable unless asked otherwise, and the longest allowed. */
export const ENROLL_TTL_MINUTES = { default: 60, max: 7 * 24 * 60 } as const;
/** Newest tokens listed. */
const LIST_LIMIT = 200;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const num = (v: string | number): number => Number(v);
const numOrNull = (v: string | number | null): number | null => (v === null ? null : Number(v));

function view(r: HostEnrollmentRecord): HostEnrollmentView {
  return {
    id: r.id,
    hostId: r.hostId,
    createdAt: num(r.createdAt),
    expiresAt: num(r.expiresAt),
    createdBy: r.createdBy,
    redeemedAt: numOrNull(r.redeemedAt),
    redeemedFrom: r.redeemedFrom,
    revokedAt: numOrNull(r.revokedAt),
  };
}

/**
 * One-time enrolment of new hosts: an admin creates a token for a host id; the host's agent redeems it once, before it
 * expires, for its own NATS identity and the console key, so no key file is copied by hand.
 */
export class EnrollmentsDomain {
  private readonly repo: Repository<HostEnrollmentRecord>;

  constructor(
    dataSource: DataSource,
    private readonly keys: KeysDomain,
    /** Null when deploy runs without the NATS account key: it cannot mint creds, so redeeming is refused. */
    private readonly natsSigner: NatsAccountSigner | null,
    /** The NATS address handed to enrolled agents, when configured. */
    private readonly agentNatsUrl: string,
  ) {
    this.repo = dataSource.getRepository(HostEnrollmentRecord);
  }

  /** A new token for `hostId`, valid `ttlMinutes`; the secret is returned once and only its hash is kept. */
  async create(hostId: unknown, ttlMinutes: unknown, createdBy: string): Promise<HostEnrollmentCreated> {
    if (typeof hostId !== 'string' || !isIdentityToken(hostId))
      throw new ValidationError('hostId', "must be a host id of letters, digits, '-' or '_' (at most 100), e.g. web-03");
    const ttl = ttlMinutes ?? ENROLL_TTL_MINUTES.default;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > ENROLL_TTL_MINUTES.max)
      throw new ValidationError('ttlMinutes', `must be a whole number of minutes from 1 to ${ENROLL_TTL_MINUTES.max} (7 days)`);
    if (this.natsSigner === null) throw enrollUnavailable();
    const token = `${ENROLL_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const now = Date.now();
    const row = this.repo.create({
      id: randomUUID(),
      hostId,
      tokenHash: sha256(token),
      createdAt: now,
      expiresAt: now + ttl * 60_000,
      createdBy: createdBy.slice(0, 160),
      redeemedAt: null,
      redeemedFrom: null,
      revokedAt: null,
    });
    await this.repo.insert(row);
    return { ...view(row), token };
  }

  /** The newest tokens (used, pending, expired and revoked alike). */
  async list(): Promise<HostEnrollmentView[]> {
    const rows = await this.repo.find({ order: { createdAt: 'DESC', id: 'ASC' }, take: LIST_LIMIT });
    return rows.map(view);
  }

  /** Cancels a token that was not used; a used or revoked one is left as it is. */
  async revoke(id: unknown): Promise<HostEnrollmentView> {
    if (typeof id !== 'string' || id === '') throw new ValidationError('id', 'must be the id of an enrolment token');
    const row = await this.repo.findOneBy({ id });
    if (!row) throw notFound('enrolment token', id);
    if (row.redeemedAt === null && row.revokedAt === null) {
      row.revokedAt = Date.now();
      await this.repo.update({ id, redeemedAt: IsNull(), revokedAt: IsNull() }, { revokedAt: row.revokedAt });
    }
    return view((await this.repo.findOneBy({ id })) ?? row);
  }

  /** Redeems a token once: marks it used (only one of two racing redemptions wins) and mints the host's creds. */
  async redeem(token: unknown, from: unknown): Promise<HostEnrollmentGrant> {
    if (typeof token !== 'string' || !token.startsWith(ENROLL_TOKEN_PREFIX) || token.length > 200) throw enrollTokenInvalid();
    if (this.natsSigner === null) throw enrollUnavailable();
    const row = await this.repo.findOneBy({ tokenHash: sha256(token) });
    const now = Date.now();
    if (!row || row.redeemedAt !== null || row.revokedAt !== null || num(row.expiresAt) <= now) throw enrollTokenInvalid();
    const claimed = await this.repo.update(
      { id: row.id, redeemedAt: IsNull(), revokedAt: IsNull() },
      { redeemedAt: now, redeemedFrom: typeof from === 'string' ? from.slice(0, 64) : null },
    );
    if (claimed.affected !== 1) throw enrollTokenInvalid();
    const key = this.keys.current();
    return {
      hostId: row.hostId,
      natsCreds: await this.natsSigner.agentCreds(row.hostId),
      consoleKeyId: key.keyId,
      consolePublicKey: key.publicKey,
      natsUrl: this.agentNatsUrl === '' ? null : this.agentNatsUrl,
    };
  }
}
