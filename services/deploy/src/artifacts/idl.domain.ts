import { NATS_CONNECTION } from '@msec/platform';
import { Logger, Injectable, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import type { Repository } from 'typeorm';
import protobuf from 'protobufjs';
import { BusErrorCode, EventStore, PerKeyQueue, ProjectionCheckpointEntity, ProjectionRunner, createEvent } from '@msec/bus';
import {
  DeployEventSubjects,
  DeployEventType,
  MsecError,
  ValidationError,
  type DeployEventPayloads,
  type IdlFileDiff,
  type IdlVersionView,
} from '@msec/contracts';
import { idlInvalid, notFound, tagTaken } from '../deploy.errors.js';
import { IdlVersionRecord } from './artifacts.entities.js';
import { IdlVersionsProjection, type IdlVersionEvent } from './idl-versions.projection.js';
import { diffText, lineDiff } from './line-diff.js';
import { optionalString, requireService, requireTag } from './validate.js';
import { deployProjectionRunner } from '../events/deploy-projection-runner.js';

/** Compiles every file with protobufjs into one root and resolves all types; returns the message/service names. */
export function compileIdl(files: Record<string, string>): string[] {
  const root = new protobuf.Root();
  for (const [file, source] of Object.entries(files)) {
    try {
      const parsed = protobuf.parse(source, root, { keepCase: true });
      for (const imported of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
        if (!(imported in files) && !imported.startsWith('google/protobuf/'))
          throw new Error(`imports ${imported}, which is not in this upload`);
      }
    } catch (error) {
      throw idlInvalid(file, error instanceof Error ? error.message : String(error));
    }
  }
  try {
    root.resolveAll();
  } catch (error) {
    throw idlInvalid(Object.keys(files).join(', '), error instanceof Error ? error.message : String(error));
  }
  const names: string[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type || nested instanceof protobuf.Service) names.push(nested.fullName.replace(/^\./, ''));
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
    }
  };
  walk(root);
  return names.sort();
}

/** How often an IDL upload is decided again after another deploy process added a version of the same service first. */
const MAX_DECISIONS = 5;

/**
 * IDL versions per service: accepted only when they compile; diffable file by file. Each version is a
 * `deploy.IdlVersionAdded` event under `deploy.idl.<service>`, appended expecting the service's last one (so a
 * tag is taken once, whichever deploy process decides); the table is its projection.
 */
@Injectable()
export class IdlDomain {
  private readonly logger = new Logger('deploy-idl');
  private readonly repo: Repository<IdlVersionRecord>;
  private readonly store: EventStore;
  private readonly queue = new PerKeyQueue();
  private readonly runner: ProjectionRunner<IdlVersionEvent>;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
  ) {
    this.repo = dataSource.getRepository(IdlVersionRecord);
    this.store = new EventStore(nc);
    this.runner = deployProjectionRunner(nc, dataSource, new IdlVersionsProjection(), this.logger);
  }

  /** Carries versions stored before IDL events existed into the stream, then starts the projection. */
  async start(): Promise<void> {
    await this.store.init();
    await this.importLegacyRows();
    await this.runner.start();
    await this.runner.waitUntilCaughtUp();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Empties the IDL versions read model and replays their events. */
  async rebuild(): Promise<number> {
    await this.runner.rebuild();
    return this.repo.count();
  }

  /** Compiles and stores a new version. */
  async add(body: Record<string, unknown> | null): Promise<IdlVersionView> {
    const service = requireService(body);
    const tag = requireTag(body);
    const files = body?.files;
    if (typeof files !== 'object' || files === null || Array.isArray(files) || Object.keys(files).length === 0) {
      throw new ValidationError('files', 'must be an object {"name.proto": "source", ...} with at least one file');
    }
    for (const [name, source] of Object.entries(files)) {
      if (!/^[A-Za-z0-9_./-]+\.proto$/.test(name) || name.includes('..'))
        throw new ValidationError(`files.${name}`, 'file names end in .proto and stay relative');
      if (typeof source !== 'string') throw new ValidationError(`files.${name}`, 'must be the file text');
    }
    const messages = compileIdl(files as Record<string, string>);
    const payload = { service, tag, memo: optionalString(body, 'memo'), files: files as Record<string, string>, createdAt: Date.now() };
    const subject = DeployEventSubjects.idl(service);
    await this.queue.run(service, () => this.decideAndAppend(subject, service, tag, payload));
    return { service, tag, memo: payload.memo, files: Object.keys(files).sort(), messages, createdAt: payload.createdAt };
  }

  private async decideAndAppend(
    subject: string,
    service: string,
    tag: string,
    payload: DeployEventPayloads['deploy.IdlVersionAdded'],
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const expected = await this.store.lastSequence(subject);
      await this.runner.waitUntilCaughtUp();
      if (await this.repo.existsBy({ service, tag })) throw tagTaken(service, tag, 'IDL');
      try {
        await this.store.append(subject, createEvent(DeployEventType.idlVersionAdded, service, payload), {
          expectedLastSubjectSeq: expected,
        });
        break;
      } catch (error) {
        // another deploy process added a version of this service since: decide again on what it stored
        if (attempt < MAX_DECISIONS && error instanceof MsecError && error.code === BusErrorCode.appendConflict) continue;
        throw error;
      }
    }
    await this.runner.waitUntilCaughtUp();
  }

  /** Versions of a service, newest first. */
  async list(body: Record<string, unknown> | null): Promise<IdlVersionView[]> {
    const service = requireService(body);
    const rows = await this.repo.find({ where: { service }, order: { createdAt: 'DESC' } });
    return rows.map((r) => {
      const files = JSON.parse(r.filesJson) as Record<string, string>;
      return {
        service,
        tag: r.tag,
        memo: r.memo,
        files: Object.keys(files).sort(),
        messages: compileIdl(files),
        createdAt: Number(r.createdAt),
      };
    });
  }

  /** Files of one version. */
  async files(service: string, tag: string): Promise<Record<string, string>> {
    const row = await this.repo.findOneBy({ service, tag });
    if (!row) throw notFound('IDL version', `${service}@${tag}`);
    return JSON.parse(row.filesJson) as Record<string, string>;
  }

  /** On the first start after the upgrade (no checkpoint yet), each stored version becomes a `deploy.IdlVersionAdded` event. */
  private async importLegacyRows(): Promise<void> {
    const key = `deploy.${new IdlVersionsProjection().name}`;
    if ((await this.dataSource.getRepository(ProjectionCheckpointEntity).findOneBy({ projection: key })) !== null) return;
    const rows = await this.repo.find({ order: { createdAt: 'ASC' } });
    const byService = new Map<string, IdlVersionRecord[]>();
    for (const row of rows) byService.set(row.service, [...(byService.get(row.service) ?? []), row]);
    for (const [service, versions] of byService) {
      const events = versions.map((r) =>
        createEvent(DeployEventType.idlVersionAdded, service, {
          service,
          tag: r.tag,
          memo: r.memo,
          files: JSON.parse(r.filesJson) as Record<string, string>,
          createdAt: Number(r.createdAt),
        }),
      );
      try {
        await this.store.appendAll(DeployEventSubjects.idl(service), events, 0);
      } catch (error) {
        // another deploy process imported them first
        if (!(error instanceof MsecError && error.code === BusErrorCode.appendConflict)) throw error;
      }
    }
    if (rows.length > 0) this.logger.log(`${rows.length} IDL version(s) carried over into the event stream`);
  }

  /** Per-file diff between two versions. */
  async diff(body: Record<string, unknown> | null): Promise<IdlFileDiff[]> {
    const service = requireService(body);
    const from = await this.files(service, requireTag(body, 'from'));
    const to = await this.files(service, requireTag(body, 'to'));
    const names = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
    return names
      .filter((n) => from[n] !== to[n])
      .map((n) => ({
        file: n,
        change: from[n] === undefined ? ('added' as const) : to[n] === undefined ? ('removed' as const) : ('changed' as const),
        diff: diffText(lineDiff(from[n] ?? '', to[n] ?? '')),
      }));
  }
}
