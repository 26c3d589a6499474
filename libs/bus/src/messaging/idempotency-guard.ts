import type { Redis } from 'ioredis';
import { messageInProgress } from '../bus.errors.js';
import { BusRedisKeys } from '../jetstream/bus-subjects.js';

/** Knobs of the idempotency guard. */
export interface IdempotencyOptions {
  prefix?: string;
  /** How long a handled message id is remembered (persistently, in Redis with append-only files). */
  windowMs?: number;
  /** How long a claim of a message in progress holds before another consumer may take it. */
  processingLeaseMs?: number;
}

/** The outcome of `runOnce`. */
export type OnceResult<T> = { ran: true; result: T } | { ran: false };

const DONE = 'done';

/**
 * De-duplicates by message id within a window, keyed by a scope (subject + group): the first delivery
 * runs, later ones (redeliveries, duplicates) are skipped. A failed run releases its claim so the retry runs.
 */
export class IdempotencyGuard {
  private readonly prefix: string;
  private readonly windowMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly redis: Redis,
    options: IdempotencyOptions = {},
  ) {
    this.prefix = options.prefix ?? 'msec';
    this.windowMs = options.windowMs ?? 7 * 24 * 3_600_000;
    this.leaseMs = options.processingLeaseMs ?? 60_000;
  }

  /** Runs `work` unless this (scope, msgId) already ran; throws a retryable error while another run holds it. */
  async runOnce<T>(scope: string, msgId: string, work: () => Promise<T>): Promise<OnceResult<T>> {
    const key = BusRedisKeys.idempotent(this.prefix, scope, msgId);
    const claimed = await this.redis.set(key, 'processing', 'PX', this.leaseMs, 'NX');
    if (claimed !== 'OK') {
      if ((await this.redis.get(key)) === DONE) return { ran: false };
      throw messageInProgress(scope, msgId);
    }
    let result: T;
    try {
      result = await work();
    } catch (error) {
      await this.redis.del(key).catch(() => 0);
      throw error;
    }
    await this.redis.set(key, DONE, 'PX', this.windowMs);
    return { ran: true, result };
  }

  /** True when (scope, msgId) was handled within the window. */
  async seen(scope: string, msgId: string): Promise<boolean> {
    return (await this.redis.get(BusRedisKeys.idempotent(this.prefix, scope, msgId))) === DONE;
  }
}
