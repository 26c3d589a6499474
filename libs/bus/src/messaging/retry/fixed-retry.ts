import type { RetryPolicy } from './retry-policy.js';

/** QMQ's default: the same delay each time (5 s), at most 32 attempts. */
export class FixedRetry implements RetryPolicy {
  constructor(
    readonly delayMs = 5_000,
    readonly maxAttempts = 32,
  ) {}

  delayAfter(_attempt?: number): number {
    return this.delayMs;
  }
}
