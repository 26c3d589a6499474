import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource, Repository } from 'typeorm';
import { BusErrorCode, EventStore, ProjectionCheckpointEntity, ProjectionRunner, createEvent } from '@msec/bus';
import {
  DeployEventSubjects,
  DeployEventType,
  MsecError,
  ValidationError,
  isIdentityToken,
  type HostEnrollmentCreated,
  type HostEnrollmentGrant,
  type HostEnrollmentView,
} from '@msec/contracts';
import { type NatsAccountSigner } from '@msec/contracts/nats-authority';
import { enrollTokenInvalid, enrollUnavailable, notFound } from '../deploy.errors.js';
import type { KeysDomain } from '../signing/keys.domain.js';
import { HostEnrollmentRecord } from './enrollments.entities.js';
import { EnrollmentsProjection, type EnrollmentEvent } from './enrollments.projection.js';
import { deployProjectionRunner } from '../events/deploy-projection-runner.js';

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
 * expires, for its own NATS identity and the console key, so no key file is copied by hand. Each token is its events
 * under `deploy.enrollment.enr_<id>` (created, redeemed, revoked), appended expecting the token's last event, so of
 * two redemptions at once in any deploy process one wins; the table is their projection.
 */
export class EnrollmentsDomain {
  private readonly logger = new Logger('deploy-enrollments');
  private readonly repo: Repository<HostEnrollmentRecord>;
  private readonly store: EventStore;
  private readonly runner: ProjectionRunner<EnrollmentEvent>;

  constructor(
    private readonly dataSource: DataSource,
    nc: NatsConnection,
    private readonly keys: KeysDomain,
    /** Null when deploy runs without the NATS account key: it cannot mint creds, so redeeming is refused. */
    private readonly natsSigner: NatsAccountSigner | null,
    /** The NATS address handed to enrolled agents, when configured. */
    private readonly agentNatsUrl: string,
  ) {
    this.repo = dataSource.getRepository(HostEnrollmentRecord);
    this.store = new EventStore(nc);
    this.runner = deployProjectionRunner(nc, dataSource, new EnrollmentsProjection(), this.logger);
  }

  /** Carries tokens stored before enrolment events existed into the stream, then starts the projection. */
  async start(): Promise<void> {
    await this.store.init();
    await this.importLegacyRows();
    await this.runner.start();
    await this.runner.waitUntilCaughtUp();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Empties the enrolment tokens read model and replays their events. */
  async rebuild(): Promise<number> {
    await this.runner.rebuild();
    return this.repo.count();
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
    const created = {
      id: randomUUID(),
      hostId,
      tokenHash: sha256(token),
      createdAt: now,
      expiresAt: now + ttl * 60_000,
      createdBy: createdBy.slice(0, 160),
    };
    await this.store.append(
      DeployEventSubjects.enrollment(created.id),
      createEvent(DeployEventType.hostEnrollmentCreated, created.id, created),
      { expectedLastSubjectSeq: 0 },
    );
    await this.runner.waitUntilCaughtUp();
    return { ...view({ ...created, redeemedAt: null, redeemedFrom: null, revokedAt: null }), token };
  }

  /** The newest tokens (used, pending, expired and revoked alike). */
  async list(): Promise<HostEnrollmentView[]> {
    const rows = await this.repo.find({ order: { createdAt: 'DESC', id: 'ASC' }, take: LIST_LIMIT });
    return rows.map(view);
  }

  /** Cancels a token that was not used; a used or revoked one is left as it is. */
  async revoke(id: unknown): Promise<HostEnrollmentView> {
    if (typeof id !== 'string' || id === '') throw new ValidationError('id', 'must be the id of an enrolment token');
    await this.runner.waitUntilCaughtUp();
    if (!(await this.repo.existsBy({ id }))) throw notFound('enrolment token', id);
    // of a revocation and a redemption at once, the one appended first stands; the other decides again on it
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const { lastSeq, used } = await this.tokenEvents(id);
      if (used) break;
      try {
        await this.store.append(
          DeployEventSubjects.enrollment(id),
          createEvent(DeployEventType.hostEnrollmentRevoked, id, { id, revokedAt: Date.now() }),
          { expectedLastSubjectSeq: lastSeq },
        );
        break;
      } catch (error) {
        if (!(error instanceof MsecError && error.code === BusErrorCode.appendConflict)) throw error;
      }
    }
    await this.runner.waitUntilCaughtUp();
    return view((await this.repo.findOneBy({ id }))!);
  }

  /** Redeems a token once: marks it used (only one of two racing redemptions wins) and mints the host's creds. */
  async redeem(token: unknown, from: unknown): Promise<HostEnrollmentGrant> {
    if (typeof token !== 'string' || !token.startsWith(ENROLL_TOKEN_PREFIX) || token.length > 200) throw enrollTokenInvalid();
    if (this.natsSigner === null) throw enrollUnavailable();
    await this.runner.waitUntilCaughtUp();
    const row = await this.repo.findOneBy({ tokenHash: sha256(token) });
    const now = Date.now();
    if (!row || num(row.expiresAt) <= now) throw enrollTokenInvalid();
    const { lastSeq, used } = await this.tokenEvents(row.id);
    if (used) throw enrollTokenInvalid();
    const redeemed = { id: row.id, hostId: row.hostId, redeemedAt: now, redeemedFrom: typeof from === 'string' ? from.slice(0, 64) : null };
    try {
      await this.store.append(
        DeployEventSubjects.enrollment(row.id),
        createEvent(DeployEventType.hostEnrollmentRedeemed, row.id, redeemed),
        { expectedLastSubjectSeq: lastSeq },
      );
    } catch (error) {
      // another redemption (or a revocation) of this token was appended first
      if (error instanceof MsecError && error.code === BusErrorCode.appendConflict) throw enrollTokenInvalid();
      throw error;
    }
    await this.runner.waitUntilCaughtUp();
    const key = this.keys.current();
    return {
      hostId: row.hostId,
      natsCreds: await this.natsSigner.agentCreds(row.hostId),
      consoleKeyId: key.keyId,
      consolePublicKey: key.publicKey,
      natsUrl: this.agentNatsUrl === '' ? null : this.agentNatsUrl,
    };
  }

  /** A token's events: the sequence of its last and whether it was redeemed or revoked. */
  private async tokenEvents(id: string): Promise<{ lastSeq: number; used: boolean }> {
    const { events, lastSeq } = await this.store.read<EnrollmentEvent>(DeployEventSubjects.enrollment(id));
    return { lastSeq, used: events.some((e) => e.event.type !== DeployEventType.hostEnrollmentCreated) };
  }

  /** On the first start after the upgrade (no checkpoint yet), each stored token becomes its events. */
  private async importLegacyRows(): Promise<void> {
    const key = `deploy.${new EnrollmentsProjection().name}`;
    if ((await this.dataSource.getRepository(ProjectionCheckpointEntity).findOneBy({ projection: key })) !== null) return;
    const rows = await this.repo.find({ order: { createdAt: 'ASC' } });
    for (const r of rows) {
      const events = [
        createEvent(DeployEventType.hostEnrollmentCreated, r.id, {
          id: r.id,
          hostId: r.hostId,
          tokenHash: r.tokenHash,
          createdAt: num(r.createdAt),
          expiresAt: num(r.expiresAt),
          createdBy: r.createdBy,
        }),
        ...(r.redeemedAt !== null
          ? [
              createEvent(DeployEventType.hostEnrollmentRedeemed, r.id, {
                id: r.id,
                hostId: r.hostId,
                redeemedAt: num(r.redeemedAt),
                redeemedFrom: r.redeemedFrom,
              }),
            ]
          : []),
        ...(r.revokedAt !== null
          ? [createEvent(DeployEventType.hostEnrollmentRevoked, r.id, { id: r.id, revokedAt: num(r.revokedAt) })]
          : []),
      ];
      try {
        await this.store.appendAll(DeployEventSubjects.enrollment(r.id), events, 0);
      } catch (error) {
        // another deploy process imported it first
        if (!(error instanceof MsecError && error.code === BusErrorCode.appendConflict)) throw error;
      }
    }
    if (rows.length > 0) this.logger.log(`${rows.length} enrolment token(s) carried over into the event stream`);
  }
}
