import type { RetryPolicy } from './retry-policy.js';

/** Doubling (or `factor`-fold) delays from `initialMs`, capped at `maxDelayMs`. */
export class ExponentialRetry implements RetryPolicy {
  constructor(
    readonly initialMs = 1_000,
    readonly factor = 2,
    readonly maxDelayMs = 10 * 60_000,
    readonly maxAttempts = 16,
  ) {}

  delayAfter(attempt: number): number {
    return Math.min(this.maxDelayMs, this.initialMs * this.factor ** Math.max(0, attempt - 1));
  }
}
