import { unknownStrategy } from '../nlb.errors.js';
import { ConsistentHashStrategy } from './consistent-hash.js';
import { SmoothWeightedStrategy } from './smooth-weighted.js';
import type { StrategyFactory } from './strategy.js';
import { WeightedRandomStrategy } from './weighted-random.js';

/** The strategies that can be named in options. */
export const StrategyName = {
  smoothWeighted: 'smooth-weighted',
  weightedRandom: 'weighted-random',
  consistentHash: 'consistent-hash',
} as const;
/** One of StrategyName. */
export type StrategyName = (typeof StrategyName)[keyof typeof StrategyName];

const factories: Record<StrategyName, StrategyFactory> = {
  'smooth-weighted': (keys) => new SmoothWeightedStrategy(keys),
  'weighted-random': (keys, random) => new WeightedRandomStrategy(keys, random),
  'consistent-hash': (keys) => new ConsistentHashStrategy(keys),
};

/** The factory of the named strategy; throws NLB_UNKNOWN_STRATEGY for any other name. */
export function resolveStrategy(name: string): StrategyFactory {
  const factory = (factories as Record<string, StrategyFactory | undefined>)[name];
  if (factory === undefined) throw unknownStrategy(name, Object.keys(factories));
  return factory;
}
