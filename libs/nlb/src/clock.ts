/** Milliseconds now; tests pass a fake to drive time. */
export interface Clock {
  now(): number;
}

/** The real clock (monotonic). */
export const systemClock: Clock = { now: () => performance.now() };
