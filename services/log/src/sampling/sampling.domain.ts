import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { StorageType } from '@nats-io/jetstream';
import { LOG_COLOUR_BUCKET, LOG_TRACE_SAMPLING_KEY, streamReplicas, type TraceSamplingSettings } from '@msec/contracts';
import { invalidField } from '../log.errors.js';

const SERVICE_NAME = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_PER_SECOND = 1_000_000;

function serviceOf(raw: unknown): string {
  const service = (raw as { service?: unknown } | null)?.service;
  if (typeof service !== 'string' || service.length > 128 || !SERVICE_NAME.test(service))
    throw invalidField('service', 'a service name as First.Second (letters, digits, _ and -)');
  return service;
}

/**
 * Trace sampling set from the console: per-service rate and cap under LOG_TRACE_SAMPLING_KEY in the colouring
 * bucket, which every SDK watches; a service listed there overrides its environment within seconds.
 */
export class SamplingDomain {
  private bucket: Promise<KV> | undefined;

  constructor(private readonly nc: NatsConnection) {}

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
    const entry = await (await this.kv()).get(LOG_TRACE_SAMPLING_KEY);
    if (entry === null || entry.value.length === 0) return { services: {} };
    try {
      const parsed = JSON.parse(entry.string()) as Partial<TraceSamplingSettings> | null;
      return { services: { ...(parsed?.services ?? {}) } };
    } catch {
      return { services: {} };
    }
  }

  /** Sets one service's rate (0–1) and cap (traces per second per process). */
  async set(raw: unknown): Promise<TraceSamplingSettings> {
    const service = serviceOf(raw);
    const { rate, maxPerSecond } = (raw ?? {}) as { rate?: unknown; maxPerSecond?: unknown };
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw invalidField('rate', 'a share of requests from 0 to 1, e.g. 0.01');
    if (typeof maxPerSecond !== 'number' || !Number.isInteger(maxPerSecond) || maxPerSecond < 0 || maxPerSecond > MAX_PER_SECOND)
      throw invalidField('maxPerSecond', `a whole number of traces per second per process, 0 to ${MAX_PER_SECOND}`);
    const settings = await this.get();
    settings.services[service] = { rate, maxPerSecond };
    return this.put(settings);
  }

  /** Removes one service's setting: its environment applies again. */
  async delete(raw: unknown): Promise<TraceSamplingSettings> {
    const service = serviceOf(raw);
    const settings = await this.get();
    delete settings.services[service];
    return this.put(settings);
  }

  private async put(settings: TraceSamplingSettings): Promise<TraceSamplingSettings> {
    const sorted: TraceSamplingSettings = {
      services: Object.fromEntries(Object.entries(settings.services).sort(([a], [b]) => a.localeCompare(b))),
    };
    await (await this.kv()).put(LOG_TRACE_SAMPLING_KEY, JSON.stringify(sorted));
    return sorted;
  }
}
