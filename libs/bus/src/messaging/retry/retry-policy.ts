/** Decides how long to wait before the next attempt; one method, one file per implementation. */
export interface RetryPolicy {
  /** Attempts in all, the first delivery included; after the last one the message is dead-lettered. */
  readonly maxAttempts: number;
  /** Delay in ms before attempt `attempt + 1`, given that attempt `attempt` (1-based) just failed. */
  delayAfter(attempt: number): number;
}

/** Plain-data description of a retry policy, as held in configuration. */
export type RetryPolicySpec =
  | { kind: 'fixed'; delayMs?: number; maxAttempts?: number }
  | { kind: 'exponential'; initialMs?: number; factor?: number; maxDelayMs?: number; maxAttempts?: number }
  | { kind: 'schedule'; delaysMs: number[] };
