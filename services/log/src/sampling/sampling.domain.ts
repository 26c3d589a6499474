import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { StorageType } from '@nats-io/jetstream';
import type { DataSource } from 'typeorm';
import { createEvent, type EventDecisions, type ProjectionRunner } from '@msec/bus';
import {
  LOG_COLOUR_BUCKET,
  LOG_TRACE_SAMPLING_KEY,
  LogEventSubjects,
  LogEventType,
  streamReplicas,
  type TraceSamplingSettings,
} from '@msec/contracts';
import type { LogEvent } from '../colour/colour.domain.js';
import { invalidField } from '../log.errors.js';
import { TraceSamplingEntity } from '../storage/log.entities.js';

const SERVICE_NAME = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_PER_SECOND = 1_000_000;

function serviceOf(raw: unknown): string {
  const service = (raw as { service?: unknown } | null)?.service;
  if (typeof service !== 'string' || service.length > 128 || !SERVICE_NAME.test(service))
    throw invalidField('service', 'a service name as First.Second (letters, digits, _ and -)');
  return service;
}

/** Settings as JSON with the services in name order: what the bucket holds and what the console shows. */
function sorted(rows: TraceSamplingEntity[]): TraceSamplingSettings {
  const services = [...rows].sort((a, b) => a.service.localeCompare(b.service));
  return { services: Object.fromEntries(services.map((r) => [r.service, { rate: r.rate, maxPerSecond: r.maxPerSecond }])) };
}

/**
 * Trace sampling set from the console: per-service rate and cap. Each change is a `log.TraceSampling*` event first;
 * the table is their projection, and the settings are put under LOG_TRACE_SAMPLING_KEY in the colouring bucket,
 * which every SDK watches (a service listed there overrides its environment within seconds).
 */
export class SamplingDomain {
  private bucket: Promise<KV> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
    private readonly decisions: EventDecisions<LogEvent>,
    private readonly projection: ProjectionRunner<LogEvent>,
  ) {}

  private kv(): Promise<KV> {
    this.bucket ??= new Kvm(this.nc)
      .create(LOG_COLOUR_BUCKET, { history: 1, storage: StorageType.File, replicas: streamReplicas() })
      .catch((error: unknown) => {
        this.bucket = undefined;
        throw error;
      });
    return this.bucket;
  }

  /** The settings now (no service listed when nothing was set). */
  async get(): Promise<TraceSamplingSettings> {
    return sorted(await this.dataSource.getRepository(TraceSamplingEntity).find());
  }

  /** Sets one service's rate (0–1) and cap (traces per second per process). */
  async set(raw: unknown): Promise<TraceSamplingSettings> {
    const service = serviceOf(raw);
    const { rate, maxPerSecond } = (raw ?? {}) as { rate?: unknown; maxPerSecond?: unknown };
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw invalidField('rate', 'a share of requests from 0 to 1, e.g. 0.01');
    if (typeof maxPerSecond !== 'number' || !Number.isInteger(maxPerSecond) || maxPerSecond < 0 || maxPerSecond > MAX_PER_SECOND)
      throw invalidField('maxPerSecond', `a whole number of traces per second per process, 0 to ${MAX_PER_SECOND}`);
    await this.decisions.decide(LogEventSubjects.sampling, () => ({
      append: [createEvent(LogEventType.traceSamplingSet, service, { service, rate, maxPerSecond })],
      result: undefined,
    }));
    return this.publish();
  }

  /** Removes one service's setting: its environment applies again. Removing one that is not set changes nothing. */
  async delete(raw: unknown): Promise<TraceSamplingSettings> {
    const service = serviceOf(raw);
    await this.decisions.decide(LogEventSubjects.sampling, (events) => {
      const set = new Set<string>();
      for (const e of events) {
        if (e.type === LogEventType.traceSamplingSet) set.add(e.payload.service);
        else if (e.type === LogEventType.traceSamplingRemoved) set.delete(e.payload.service);
      }
      return { append: set.has(service) ? [createEvent(LogEventType.traceSamplingRemoved, service, { service })] : [], result: undefined };
    });
    return this.publish();
  }

  /** Puts the settings as the projection has them into the bucket, unless the bucket already holds exactly that. */
  async publish(): Promise<TraceSamplingSettings> {
    await this.projection.waitUntilCaughtUp();
    const settings = await this.get();
    const text = JSON.stringify(settings);
    const kv = await this.kv();
    const current = await kv.get(LOG_TRACE_SAMPLING_KEY);
    const empty = Object.keys(settings.services).length === 0;
    if ((current?.string() ?? '') !== text && !(empty && (current === null || current.value.length === 0)))
      await kv.put(LOG_TRACE_SAMPLING_KEY, text);
    return settings;
  }

  /** On the first start of the sampling projection, settings kept only in the bucket before become events, once. */
  async importFromBucket(firstStart: boolean): Promise<number> {
    if (!firstStart) return 0;
    const entry = await (await this.kv()).get(LOG_TRACE_SAMPLING_KEY);
    if (entry === null || entry.value.length === 0) return 0;
    let services: TraceSamplingSettings['services'] = {};
    try {
      services = (JSON.parse(entry.string()) as Partial<TraceSamplingSettings> | null)?.services ?? {};
    } catch {
      return 0;
    }
    const events = Object.entries(services)
      .filter(([service, s]) => SERVICE_NAME.test(service) && typeof s?.rate === 'number' && typeof s?.maxPerSecond === 'number')
      .map(([service, s]) => createEvent(LogEventType.traceSamplingSet, service, { service, rate: s.rate, maxPerSecond: s.maxPerSecond }));
    return (await this.decisions.appendToEmpty(LogEventSubjects.sampling, events)) ? events.length : 0;
  }
}
