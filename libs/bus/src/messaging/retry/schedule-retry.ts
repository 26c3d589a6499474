import type { RetryPolicy } from './retry-policy.js';

/** An explicit list of delays: attempt n+1 waits `delaysMs[n-1]`; attempts = list length + 1. */
export class ScheduleRetry implements RetryPolicy {
  readonly maxAttempts: number;

  constructor(readonly delaysMs: readonly number[]) {
    this.maxAttempts = delaysMs.length + 1;
  }

  delayAfter(attempt: number): number {
    return this.delaysMs[Math.min(attempt, this.delaysMs.length) - 1] ?? 0;
  }
}
