import type { Strategy } from './strategy.js';

const VIRTUAL_NODES = 160;

/** FNV-1a over UTF-16 code units, then a murmur-style finaliser for spread. No allocation. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Consistent hashing by a caller-given key (user id, order id): the same key keeps reaching the same instance,
 * and adding or removing one instance moves only about 1/n of the keys. Instances at weight 0 (ejected) are
 * skipped by walking on around the ring. Without a key it falls back to the first usable instance on the ring
 * after a rotating point, so calls without a key still spread.
 */
export class ConsistentHashStrategy implements Strategy {
  private readonly points: Uint32Array;
  private readonly owners: Uint16Array;
  private rotate = 0;

  constructor(keys: readonly string[]) {
    const n = keys.length * VIRTUAL_NODES;
    const pairs: Array<[number, number]> = [];
    keys.forEach((key, index) => {
      for (let v = 0; v < VIRTUAL_NODES; v++) pairs.push([hash32(key, v), index]);
    });
    pairs.sort((a, b) => a[0] - b[0]);
    this.points = new Uint32Array(n);
    this.owners = new Uint16Array(n);
    pairs.forEach(([point, owner], i) => {
      this.points[i] = point;
      this.owners[i] = owner;
    });
  }

  pick(weights: Float64Array, hashKey: string | undefined): number {
    const n = this.points.length;
    if (n === 0) return 0;
    let at: number;
    if (hashKey === undefined) {
      this.rotate = (this.rotate + 40_503) % n;
      at = this.rotate;
    } else {
      const h = hash32(hashKey);
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.points[mid]! < h) lo = mid + 1;
        else hi = mid;
      }
      at = lo === n ? 0 : lo;
    }
    for (let step = 0; step < n; step++) {
      const owner = this.owners[(at + step) % n]!;
      if (weights[owner]! > 0) return owner;
    }
    return this.owners[at]!;
  }
}
