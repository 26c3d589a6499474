import { invalidField, unknownRetryPolicy } from '../../bus.errors.js';
import { ExponentialRetry } from './exponential-retry.js';
import { FixedRetry } from './fixed-retry.js';
import type { RetryPolicy, RetryPolicySpec } from './retry-policy.js';
import { ScheduleRetry } from './schedule-retry.js';

const KINDS = ['fixed', 'exponential', 'schedule'] as const;

function positive(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw invalidField(field, 'must be a non-negative number');
  return value;
}

/** Builds a policy from its spec (or passes a policy through); unknown kinds throw BUS_UNKNOWN_RETRY_POLICY. */
export function resolveRetryPolicy(spec: RetryPolicySpec | RetryPolicy | undefined): RetryPolicy {
  if (spec === undefined) return new FixedRetry();
  if ('delayAfter' in spec) return spec;
  switch (spec.kind) {
    case 'fixed':
      return new FixedRetry(
        positive(spec.delayMs, 'retry.delayMs', 5_000),
        Math.max(1, positive(spec.maxAttempts, 'retry.maxAttempts', 32)),
      );
    case 'exponential':
      return new ExponentialRetry(
        positive(spec.initialMs, 'retry.initialMs', 1_000),
        positive(spec.factor, 'retry.factor', 2),
        positive(spec.maxDelayMs, 'retry.maxDelayMs', 600_000),
        Math.max(1, positive(spec.maxAttempts, 'retry.maxAttempts', 16)),
      );
    case 'schedule':
      if (!Array.isArray(spec.delaysMs)) throw invalidField('retry.delaysMs', 'must be an array of delays in ms');
      spec.delaysMs.forEach((d, i) => positive(d, `retry.delaysMs[${i}]`, 0));
      return new ScheduleRetry(spec.delaysMs);
    default:
      throw unknownRetryPolicy(String((spec as { kind: unknown }).kind), KINDS);
  }
}
