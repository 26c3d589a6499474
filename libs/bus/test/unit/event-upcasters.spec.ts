import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventUpcasters, createEvent } from '../../src/index.js';

describe('event upcasters', () => {
  it('event upcasting - an event two versions old is lifted step by step; a current one is left as it is', () => {
    const upcasters = new EventUpcasters()
      .register('shop.OrderPlaced', 1, (p) => ({ ...(p as object), currency: 'EUR' }))
      .register('shop.OrderPlaced', 2, (p) => {
        const { total, ...rest } = p as { total: number };
        return { ...rest, amountCents: total * 100 };
      });
    const old = createEvent('shop.OrderPlaced', 'o1', { total: 12 }, { version: 1 });
    const lifted = upcasters.upcast(old);
    assert.equal(lifted.version, 3);
    assert.deepEqual(lifted.payload, { currency: 'EUR', amountCents: 1200 });
    assert.equal(lifted.id, old.id);
    const current = createEvent('shop.OrderPlaced', 'o2', { currency: 'USD', amountCents: 5 }, { version: 3 });
    assert.equal(upcasters.upcast(current), current);
  });

  it('event upcasting - a failing upcaster names the event and version; a step registered twice is refused', () => {
    const upcasters = new EventUpcasters().register('shop.X', 1, () => {
      throw new Error('no total');
    });
    assert.throws(
      () => upcasters.upcast(createEvent('shop.X', 'a', {}, { version: 1 })),
      (e: { code?: string; data?: { type?: string; version?: number } }) =>
        e.code === 'BUS_EVENT_UPCAST_FAILED' && e.data?.type === 'shop.X' && e.data.version === 1,
    );
    assert.throws(() => upcasters.register('shop.X', 1, (p) => p), /already registered/);
  });
});
