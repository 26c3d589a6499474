import type { Strategy } from './strategy.js';

/**
 * Smooth weighted round robin: deterministic, and spreads a heavy instance's turns out instead of bunching
 * them (weights 5,1,1 give a a b a c a a). The weights it is given already carry health, so a failing
 * instance's turns shrink as its weight does.
 */
export class SmoothWeightedStrategy implements Strategy {
  private readonly current: Float64Array;

  constructor(keys: readonly string[]) {
    this.current = new Float64Array(keys.length);
  }

  pick(weights: Float64Array): number {
    const current = this.current;
    let total = 0;
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w <= 0) continue;
      const v = current[i]! + w;
      current[i] = v;
      total += w;
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    if (best < 0) return 0;
    current[best] = bestValue - total;
    return best;
  }
}
