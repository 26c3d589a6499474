import { NATS_CONNECTION } from '@msec/platform';
import { Logger, Injectable, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import type { Repository } from 'typeorm';
import { BusErrorCode, EventStore, PerKeyQueue, ProjectionCheckpointEntity, ProjectionRunner, createEvent } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, MsecError, type ConfigVersionView, type LiveConfigView } from '@msec/contracts';
import { notFound, tagTaken } from '../deploy.errors.js';
import { ConfigVersionRecord, LiveConfigRecord } from './artifacts.entities.js';
import { LiveConfigBucket } from './live-config-bucket.js';
import { ConfigVersionsProjection, type ConfigVersionEvent } from './config-versions.projection.js';
import { diffText, lineDiff } from './line-diff.js';
import { optionalString, requireService, requireString, requireTag } from './validate.js';
import { deployProjectionRunner } from '../events/deploy-projection-runner.js';

/** How often the live config bucket is checked against the read model (repairs a put lost to a crash or outage). */
const RECONCILE_EVERY_MS = 30_000;

/** How often a config change is decided again after another deploy process added a version of the same service first. */
const MAX_DECISIONS = 5;

/**
 * Config file versions per service; the newest is current, and a rollback appends a copy of an older one. Each version
 * is a `deploy.ConfigVersionAdded` event under `deploy.config.<service>`, appended expecting the service's last one,
 * so its tag and sequence number are decided once whichever deploy process stores it; the table is its projection.
 */
@Injectable()
export class ConfigVersionsDomain {
  private readonly logger = new Logger('deploy-config');
  private readonly repo: Repository<ConfigVersionRecord>;
  private readonly store: EventStore;
  private readonly queue = new PerKeyQueue();
  private readonly runner: ProjectionRunner<ConfigVersionEvent>;
  private readonly live: LiveConfigBucket;
  private readonly liveRepo: Repository<LiveConfigRecord>;
  private reconcileTimer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
  ) {
    this.repo = dataSource.getRepository(ConfigVersionRecord);
    this.store = new EventStore(nc);
    this.runner = deployProjectionRunner(nc, dataSource, new ConfigVersionsProjection(), this.logger);
    this.live = new LiveConfigBucket(nc);
    this.liveRepo = dataSource.getRepository(LiveConfigRecord);
  }

  /** Carries versions stored before config events existed into the stream, then starts the projection. */
  async start(): Promise<void> {
    await this.store.init();
    await this.importLegacyRows();
    await this.runner.start();
    await this.runner.waitUntilCaughtUp();
    await this.live.ensure().catch((error: unknown) => this.logger.warn(`live config bucket not created: ${(error as Error).message}`));
    await this.reconcileLive().catch((error: unknown) => this.logger.warn(`live configs not checked: ${(error as Error).message}`));
    this.reconcileTimer = setInterval(() => {
      this.reconcileLive().catch((error: unknown) => this.logger.warn(`live configs not checked: ${(error as Error).message}`));
    }, RECONCILE_EVERY_MS);
    this.reconcileTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.reconcileTimer);
    await this.runner.stop();
  }

  /** Empties the config versions read model and replays their events. */
  async rebuild(): Promise<number> {
    await this.runner.rebuild();
    return this.repo.count();
  }

  /** Stores a new version. */
  async add(body: Record<string, unknown> | null): Promise<ConfigVersionView> {
    const service = requireService(body);
    const tag = requireTag(body);
    if (typeof body?.content !== 'string') requireString(body, 'content');
    return this.append(service, tag, optionalString(body, 'memo'), body!.content as string);
  }

  /** Versions of a service, newest first. */
  async list(body: Record<string, unknown> | null): Promise<ConfigVersionView[]> {
    const service = requireService(body);
    const rows = await this.repo.find({ where: { service }, order: { seq: 'DESC' } });
    const live = await this.liveRepo.findOneBy({ service });
    return rows.map((r, i) => view(r, i === 0, live?.tag === r.tag));
  }

  /**
   * Publishes a version live: a `deploy.ConfigPublished` event (who and when), then the version into the live config
   * bucket, from which running instances read it within seconds.
   */
  async publish(body: Record<string, unknown> | null): Promise<LiveConfigView> {
    const service = requireService(body);
    const tag = requireTag(body);
    const by = optionalString(body, 'by') || 'unknown';
    return this.queue.run(service, () => this.decideAndPublish(service, tag, by));
  }

  private async decideAndPublish(service: string, tag: string, by: string): Promise<LiveConfigView> {
    const subject = DeployEventSubjects.config(service);
    for (let attempt = 1; ; attempt += 1) {
      const expected = await this.store.lastSequence(subject);
      await this.runner.waitUntilCaughtUp();
      const version = await this.repo.findOneBy({ service, tag });
      if (!version) throw notFound('config version', `${service}@${tag}`);
      const published: LiveConfigView = { service, tag, seq: version.seq, publishedAt: Date.now(), publishedBy: by };
      try {
        await this.store.append(subject, createEvent(DeployEventType.configPublished, service, published), {
          expectedLastSubjectSeq: expected,
        });
      } catch (error) {
        // another deploy process changed this service's config since: decide again on what it stored
        if (attempt < MAX_DECISIONS && error instanceof MsecError && error.code === BusErrorCode.appendConflict) continue;
        throw error;
      }
      await this.runner.waitUntilCaughtUp();
      await this.live.put({ ...published, content: version.content });
      return published;
    }
  }

  /**
   * Puts into the live config bucket what the read model says is published where the bucket differs: a put lost
   * between the event and the bucket (a crash, NATS briefly away) is repaired within RECONCILE_EVERY_MS.
   */
  private async reconcileLive(): Promise<void> {
    for (const row of await this.liveRepo.find()) {
      const inBucket = await this.live.get(row.service);
      if (inBucket?.tag === row.tag && inBucket.seq === row.seq) continue;
      const version = await this.repo.findOneBy({ service: row.service, tag: row.tag });
      if (!version) continue;
      await this.live.put({
        service: row.service,
        tag: row.tag,
        seq: row.seq,
        content: version.content,
        publishedAt: Number(row.publishedAt),
        publishedBy: row.publishedBy,
      });
      this.logger.log(`live config of ${row.service} put again (${row.tag})`);
    }
  }

  /** Content of one version. */
  async content(service: string, tag: string): Promise<string> {
    const row = await this.repo.findOneBy({ service, tag });
    if (!row) throw notFound('config version', `${service}@${tag}`);
    return row.content;
  }

  /** Line diff between two versions. */
  async diff(body: Record<string, unknown> | null): Promise<{ diff: string }> {
    const service = requireService(body);
    const before = await this.content(service, requireTag(body, 'from'));
    const after = await this.content(service, requireTag(body, 'to'));
    return { diff: diffText(lineDiff(before, after)) };
  }

  /** Makes an older version current again by appending a copy of it under a new tag. */
  async rollback(body: Record<string, unknown> | null): Promise<ConfigVersionView> {
    const service = requireService(body);
    const target = requireTag(body, 'to');
    const content = await this.content(service, target);
    const count = await this.repo.countBy({ service });
    const tag = body?.tag === undefined ? `${target}-rollback-${count + 1}`.slice(0, 64) : requireTag(body);
    return this.append(service, tag, `rollback to ${target}`, content);
  }

  private append(service: string, tag: string, memo: string, content: string): Promise<ConfigVersionView> {
    return this.queue.run(service, () => this.decideAndAppend(service, tag, memo, content));
  }

  private async decideAndAppend(service: string, tag: string, memo: string, content: string): Promise<ConfigVersionView> {
    const subject = DeployEventSubjects.config(service);
    for (let attempt = 1; ; attempt += 1) {
      const expected = await this.store.lastSequence(subject);
      await this.runner.waitUntilCaughtUp();
      if (await this.repo.existsBy({ service, tag })) throw tagTaken(service, tag, 'config');
      const last = await this.repo.findOne({ where: { service }, order: { seq: 'DESC' } });
      const record: ConfigVersionRecord = { service, tag, memo, content, seq: (last?.seq ?? 0) + 1, createdAt: Date.now() };
      try {
        await this.store.append(subject, createEvent(DeployEventType.configVersionAdded, service, record), {
          expectedLastSubjectSeq: expected,
        });
      } catch (error) {
        // another deploy process added a version of this service since: decide again on what it stored
        if (attempt < MAX_DECISIONS && error instanceof MsecError && error.code === BusErrorCode.appendConflict) continue;
        throw error;
      }
      await this.runner.waitUntilCaughtUp();
      const live = await this.liveRepo.findOneBy({ service });
      return view(record, true, live?.tag === tag);
    }
  }

  /** On the first start after the upgrade (no checkpoint yet), each stored version becomes a `deploy.ConfigVersionAdded` event. */
  private async importLegacyRows(): Promise<void> {
    const key = `deploy.${new ConfigVersionsProjection().name}`;
    if ((await this.dataSource.getRepository(ProjectionCheckpointEntity).findOneBy({ projection: key })) !== null) return;
    const rows = await this.repo.find({ order: { service: 'ASC', seq: 'ASC' } });
    const byService = new Map<string, ConfigVersionRecord[]>();
    for (const row of rows) byService.set(row.service, [...(byService.get(row.service) ?? []), row]);
    for (const [service, versions] of byService) {
      const events = versions.map((r) =>
        createEvent(DeployEventType.configVersionAdded, service, {
          service,
          tag: r.tag,
          memo: r.memo,
          content: r.content,
          seq: r.seq,
          createdAt: Number(r.createdAt),
        }),
      );
      try {
        await this.store.appendAll(DeployEventSubjects.config(service), events, 0);
      } catch (error) {
        // another deploy process imported them first
        if (!(error instanceof MsecError && error.code === BusErrorCode.appendConflict)) throw error;
      }
    }
    if (rows.length > 0) this.logger.log(`${rows.length} config version(s) carried over into the event stream`);
  }
}

function view(r: ConfigVersionRecord, current: boolean, live: boolean): ConfigVersionView {
  return {
    service: r.service,
    tag: r.tag,
    memo: r.memo,
    seq: r.seq,
    current,
    live,
    bytes: Buffer.byteLength(r.content),
    createdAt: Number(r.createdAt),
  };
}
