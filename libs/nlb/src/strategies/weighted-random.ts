import type { Strategy } from './strategy.js';

/** Picks with probability proportional to weight: MSEC's own policy. */
export class WeightedRandomStrategy implements Strategy {
  private readonly random: () => number;

  constructor(_keys: readonly string[], random: () => number) {
    this.random = random;
  }

  pick(weights: Float64Array): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let r = this.random() * total;
    let last = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w <= 0) continue;
      last = i;
      r -= w;
      if (r < 0) return i;
    }
    return last;
  }
}
