import { test } from 'node:test';
import assert from 'node:assert/strict';
import { movedSlots, planRebalance, targetCounts } from '../../src/operations/rebalance-planner.js';
import { planSteps } from '../../src/operations/slot-migrator.js';
import { expandSlots } from '../../src/topology/cluster-nodes-parser.js';
import { masterRange } from '../../src/operations/handlers/create-cluster.handler.js';

const three = [0, 1, 2].map((i) => ({ id: `m${i}`, slots: [masterRange(i, 3)] }));

function apply(
  masters: { id: string; slots: { start: number; end: number }[] }[],
  moves: ReturnType<typeof planRebalance>,
): Map<string, Set<number>> {
  const owned = new Map(masters.map((m) => [m.id, new Set(expandSlots(m.slots))]));
  for (const step of planSteps(moves)) {
    assert.ok(owned.get(step.from)!.delete(step.slot), `slot ${step.slot} moved from ${step.from} that owns it`);
    owned.get(step.to)!.add(step.slot);
  }
  return owned;
}

test('rebalance planner - a new empty master gets an even share and only the surplus moves', () => {
  const masters = [...three, { id: 'm3', slots: [] }];
  const moves = planRebalance(masters);
  assert.equal(movedSlots(moves), 4096);
  const owned = apply(masters, moves);
  assert.deepEqual(
    [...owned.values()].map((s) => s.size),
    [4096, 4096, 4096, 4096],
  );
  assert.ok(moves.every((m) => m.to === 'm3'));
  // The slots taken from each donor are one contiguous range from its end.
  assert.equal(moves.length, 3);
});

test('rebalance planner - a balanced cluster needs no move', () => {
  assert.deepEqual(planRebalance(three), []);
});

test('rebalance planner - weight 0 drains a master to the others evenly', () => {
  const masters = three.map((m) => ({ ...m, weight: m.id === 'm0' ? 0 : 1 }));
  const moves = planRebalance(masters);
  assert.equal(movedSlots(moves), masters[0]!.slots[0]!.end + 1);
  const owned = apply(masters, moves);
  assert.equal(owned.get('m0')!.size, 0);
  assert.equal(owned.get('m1')!.size + owned.get('m2')!.size, 16384);
  assert.ok(Math.abs(owned.get('m1')!.size - owned.get('m2')!.size) <= 1);
});

test('rebalance planner - remainders go to masters that already hold more, so fewer slots move', () => {
  const masters = [
    { id: 'a', slots: [{ start: 0, end: 9 }] },
    { id: 'b', slots: [{ start: 10, end: 10 }] },
    { id: 'c', slots: [] },
  ];
  const targets = targetCounts(masters);
  assert.deepEqual([...targets.values()], [4, 4, 3]);
  assert.equal(movedSlots(planRebalance(masters)), 6);
});

test('rebalance planner - refuses when every weight is 0', () => {
  assert.throws(() => planRebalance(three.map((m) => ({ ...m, weight: 0 }))), /weight above 0/);
});
