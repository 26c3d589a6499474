import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DueQueue, type DueItem } from '../../src/delay/due-queue.js';

describe('due queue', () => {
  it('due queue - items come out by due time, equal times in arrival order, never before their time', () => {
    const q = new DueQueue<DueItem & { name: string }>();
    q.add({ seq: 1, due: 300, name: 'c' });
    q.add({ seq: 2, due: 100, name: 'a' });
    q.add({ seq: 3, due: 200, name: 'b1' });
    q.add({ seq: 4, due: 200, name: 'b2' });
    assert.equal(q.nextDue(), 100);
    assert.deepEqual(q.takeDue(99), []);
    assert.deepEqual(
      q.takeDue(200).map((i) => i.name),
      ['a', 'b1', 'b2'],
    );
    assert.equal(q.size, 1);
    assert.equal(q.nextDue(), 300);
  });

  it('due queue - a sequence is queued once until it is taken out, and clear empties it', () => {
    const q = new DueQueue<DueItem>();
    q.add({ seq: 7, due: 10 });
    q.add({ seq: 7, due: 5 });
    assert.equal(q.size, 1);
    assert.ok(q.has(7));
    assert.deepEqual(q.takeDue(10), [{ seq: 7, due: 10 }]);
    assert.ok(!q.has(7));
    q.add({ seq: 7, due: 20 });
    q.add({ seq: 8, due: 30 });
    q.clear();
    assert.equal(q.size, 0);
    assert.equal(q.nextDue(), undefined);
  });
});
