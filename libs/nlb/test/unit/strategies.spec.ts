import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistentHashStrategy, resolveStrategy, SmoothWeightedStrategy, WeightedRandomStrategy, type NlbError } from '../../src/index.js';
import { seeded } from './seeded.js';

describe('strategies', () => {
  it('strategy - weighted random follows the weights', () => {
    const s = new WeightedRandomStrategy(['a', 'b'], seeded(1));
    const weights = Float64Array.from([300, 100]);
    const counts = [0, 0];
    for (let i = 0; i < 20_000; i++) counts[s.pick(weights)]!++;
    const share = counts[0]! / 20_000;
    assert.ok(share > 0.72 && share < 0.78, `share of a was ${share}`);
  });

  it('strategy - smooth weighted interleaves a heavy instance and skips weight 0', () => {
    const s = new SmoothWeightedStrategy(['a', 'b', 'c', 'd']);
    const weights = Float64Array.from([5, 1, 1, 0]);
    const order = Array.from({ length: 7 }, () => 'abcd'[s.pick(weights)]).join('');
    assert.equal(order, 'aabacaa');
  });

  it('strategy - consistent hash keeps a key on its instance and moves about 1/n of keys when one is added', () => {
    const keys = ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80'];
    const four = new ConsistentHashStrategy(keys);
    const five = new ConsistentHashStrategy([...keys, '10.0.0.5:80']);
    const w4 = new Float64Array(4).fill(1);
    const w5 = new Float64Array(5).fill(1);
    let moved = 0;
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const key = `user-${i}`;
      const a = four.pick(w4, key);
      assert.equal(four.pick(w4, key), a, 'stable');
      counts[a]!++;
      const b = five.pick(w5, key);
      if (b !== a) {
        moved++;
        assert.equal(b, 4, 'keys only move to the new instance');
      }
    }
    assert.ok(moved > 1_200 && moved < 2_800, `moved ${moved} of 10000`);
    for (const c of counts) assert.ok(c > 1_800 && c < 3_200, `uneven spread ${counts.join(',')}`);
  });

  it('strategy - consistent hash walks past an ejected instance, and the key returns when it is back', () => {
    const s = new ConsistentHashStrategy(['a:1', 'b:1', 'c:1']);
    const all = Float64Array.from([1, 1, 1]);
    const home = s.pick(all, 'order-42');
    const without = Float64Array.from(all);
    without[home] = 0;
    assert.notEqual(s.pick(without, 'order-42'), home);
    assert.equal(s.pick(all, 'order-42'), home);
  });

  it('strategy - resolve names the known strategies when given an unknown one', () => {
    assert.equal(typeof resolveStrategy('consistent-hash'), 'function');
    assert.throws(
      () => resolveStrategy('least-loaded'),
      (e: NlbError) => e.code === 'NLB_UNKNOWN_STRATEGY' && e.message.includes('smooth-weighted') && e.data?.field === 'strategy',
    );
  });
});
