/**
 * A selection policy for one service's instances: given each instance's current weight (0 = do not use),
 * returns the index to call. Built per service from its instance keys, and rebuilt when they change.
 * `pick` runs on every call: it must not allocate.
 */
export interface Strategy {
  pick(weights: Float64Array, hashKey: string | undefined): number;
}

/** Builds a strategy for a service's instances, in route order. */
export type StrategyFactory = (keys: readonly string[], random: () => number) => Strategy;
