import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource, LessThan, MoreThan, type FindOptionsWhere, type Repository } from 'typeorm';
import { createEvent, sharedProjectionRunner, type ProjectionRunner } from '@msec/bus';
import { EventStreams, GatewayEventSubjects, GatewayEventType, type AuditEntry, type AuditedCall } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { pageOf, type Page } from '../http/pagination.js';
import { AuditEntryEntity } from './audit.entities.js';
import { AUDIT_RETENTION, AuditPruner, type AuditRetention } from './audit-pruner.js';
import { ensureAuditStream } from './audit-stream.js';
import { AuditProjection, type AuditEvent } from './audit.projection.js';

/** One audit entry as the API shows it (the wire type is in @msec/contracts). */
export type { AuditEntry };

/** What gets recorded for one mutating call. */
export type AuditRecord = Omit<AuditedCall, 'detail'> & { detail?: string | null };

/** How long a read waits for the entries of calls just made before it answers with what is there. */
const READ_WAIT_MS = 5_000;
/** Entries of an older gateway carried into the audit stream per round trip. */
const IMPORT_BATCH = 500;
const AUDIT_SUBJECT = `${EventStreams.auditSubjectPrefix}${GatewayEventSubjects.audit}`;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The audit trail: each mutating call is an event in the audit stream (`gateway.CallAudited`), and the audit log is
 * its projection, shared by every gateway of the database. Reads wait for the calls this process just recorded, so an
 * admin sees their own change at once.
 */
@Injectable()
export class AuditDomain implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('audit');
  private readonly entries: Repository<AuditEntryEntity>;
  private readonly js: JetStreamClient;
  private readonly projection: ProjectionRunner<AuditEvent>;
  private readonly recording = new Set<Promise<void>>();
  private rebuilding: Promise<{ auditEntries: number }> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    dataSource: DataSource,
    @Inject(AUDIT_RETENTION) private readonly retention: AuditRetention,
    @Inject(AuditPruner) private readonly pruner: AuditPruner,
  ) {
    this.entries = dataSource.getRepository(AuditEntryEntity);
    this.js = jetstream(nc);
    this.projection = sharedProjectionRunner(nc, dataSource, new AuditProjection(), (text) => this.logger.error(text));
  }

  async onModuleInit(): Promise<void> {
    await ensureAuditStream(this.nc, this.retention);
    await this.importLegacyEntries();
    await this.projection.start();
    // The pruner's pass at start then sees every entry recorded before.
    await this.caughtUp();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.recording]);
    await this.projection.stop();
  }

  /** Appends one entry's event; a failure is logged, never thrown at the caller whose call already finished. */
  record(entry: AuditRecord): Promise<void> {
    const call: AuditedCall = { ...entry, detail: entry.detail ?? null };
    const event = createEvent(GatewayEventType.callAudited, call.requestId, call);
    const sent = this.js
      .publish(AUDIT_SUBJECT, JSON.stringify(event), { msgID: event.id, expect: { streamName: EventStreams.audit } })
      .then(
        () => undefined,
        (error: unknown) => this.logger.error(`could not record ${entry.method} ${entry.path} by ${entry.actor}: ${message(error)}`),
      )
      .finally(() => this.recording.delete(sent));
    this.recording.add(sent);
    return sent;
  }

  /** Resolves once the log holds every call this process recorded (or after a few seconds, with what it holds). */
  async caughtUp(timeoutMs = READ_WAIT_MS): Promise<void> {
    await Promise.allSettled([...this.recording]);
    await this.projection.waitUntilCaughtUp(timeoutMs).catch((error: unknown) => {
      this.logger.warn(`audit log read before it caught up: ${message(error)}`);
    });
  }

  /** Entries newest first, optionally of one actor, a page at a time. */
  async list(limit: number, beforeId: number | undefined, actor: string | undefined): Promise<Page<AuditEntry>> {
    await this.caughtUp();
    const where: FindOptionsWhere<AuditEntryEntity> = {};
    if (beforeId !== undefined) where.id = LessThan(beforeId);
    if (actor !== undefined) where.actor = actor;
    const rows = await this.entries.find({ where, order: { id: 'DESC' }, take: limit + 1 });
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor: r.actor,
        role: r.role,
        via: r.via,
        method: r.method,
        path: r.path,
        status: r.status,
        result: r.result,
        detail: r.detail,
      }),
    );
  }

  /**
   * Empties the audit log and replays the audit stream, then prunes what is past the log's limits (the stream keeps a
   * little more); a rebuild asked for while one runs joins it.
   */
  rebuild(): Promise<{ auditEntries: number }> {
    this.rebuilding ??= this.projection
      .rebuild()
      .then(() => this.pruner.prune())
      .then(async () => ({ auditEntries: await this.entries.count() }))
      .finally(() => {
        this.rebuilding = undefined;
      });
    return this.rebuilding;
  }

  /**
   * An older gateway's audit log becomes events, once: when the audit stream has never held an event, it is started
   * above the highest id (so new entries sort after the old ones and no id is given twice) and each entry is appended
   * as `gateway.AuditImported` with its id. An import cut short by a crash goes on after the last entry it appended
   * (calls are recorded only once this is done, so a last imported event means the import was under way).
   */
  private async importLegacyEntries(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const state = (await jsm.streams.info(EventStreams.audit)).state;
    let after: number;
    if (state.last_seq === 0) {
      const newest = await this.entries.find({ select: { id: true }, order: { id: 'DESC' }, take: 1 });
      if (newest.length === 0) return;
      await jsm.streams.purge(EventStreams.audit, { seq: newest[0]!.id + 1 });
      after = 0;
    } else {
      const last = await jsm.streams.getMessage(EventStreams.audit, { seq: state.last_seq }).catch(() => null);
      const event = last?.json<AuditEvent>();
      if (event?.type !== GatewayEventType.auditImported) return;
      after = event.payload.formerId;
    }
    let imported = 0;
    for (;;) {
      const rows = await this.entries.find({ where: { id: MoreThan(after) }, order: { id: 'ASC' }, take: IMPORT_BATCH });
      if (rows.length === 0) break;
      const acks = rows.map((r) => {
        const { id, ...call } = r;
        const event = createEvent(GatewayEventType.auditImported, r.requestId, { ...call, formerId: id });
        // Published in order on one connection, so stored in id order; the id keeps a repeat after a crash out.
        return this.js.publish(AUDIT_SUBJECT, JSON.stringify(event), { msgID: `gateway-audit-import-${r.id}` });
      });
      const stored = await Promise.all(acks);
      imported += rows.length;
      after = rows[rows.length - 1]!.id;
      // The log already holds these entries as the events say: the projection need not write them again.
      await this.projection.markApplied(stored[stored.length - 1]!.seq);
    }
    if (imported > 0) this.logger.log(`carried into the audit stream: ${imported} audit entries`);
  }
}
