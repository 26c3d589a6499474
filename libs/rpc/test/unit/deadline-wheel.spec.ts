import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineWheel, type Expirable } from '../../src/deadline-wheel.js';

interface Item extends Expirable {
  name: string;
}
const item = (name: string): Item => ({ name, expiresAt: 0, wheelSlot: -1, wheelIndex: 0 });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A wheel on a clock the test moves by hand; the wheel's own interval still drives the ticks. */
function wheelOnFakeClock(tickMs = 10, slots = 8): { wheel: DeadlineWheel<Item>; expired: string[]; clock: { now: number } } {
  const clock = { now: 1_000 };
  const expired: string[] = [];
  const wheel = new DeadlineWheel<Item>((i) => expired.push(i.name), { tickMs, slots, now: () => clock.now });
  return { wheel, expired, clock };
}

describe('deadline wheel', () => {
  it('deadline wheel - an item expires once its time has passed, never before', async () => {
    const { wheel, expired, clock } = wheelOnFakeClock();
    wheel.add(item('a'), 50);
    clock.now += 49;
    await sleep(30);
    assert.deepEqual(expired, []);
    clock.now += 1;
    await sleep(30);
    assert.deepEqual(expired, ['a']);
    assert.equal(wheel.size, 0);
    wheel.stop();
  });

  it('deadline wheel - a removed item never expires and others in its slot still do', async () => {
    const { wheel, expired, clock } = wheelOnFakeClock();
    const [a, b, c] = [item('a'), item('b'), item('c')];
    for (const i of [a, b, c]) wheel.add(i, 20);
    wheel.remove(b);
    wheel.remove(b);
    assert.equal(b.wheelSlot, -1);
    assert.equal(wheel.size, 2);
    clock.now += 40;
    await sleep(30);
    assert.deepEqual(expired.sort(), ['a', 'c']);
    wheel.stop();
  });

  it('deadline wheel - items further out than one lap wait for their own lap', async () => {
    // 8 slots of 10 ms: one lap is 80 ms, so 25 ms and 105 ms share a slot.
    const { wheel, expired, clock } = wheelOnFakeClock(10, 8);
    wheel.add(item('near'), 25);
    wheel.add(item('far'), 105);
    clock.now += 30;
    await sleep(30);
    assert.deepEqual(expired, ['near']);
    clock.now += 70;
    await sleep(30);
    assert.deepEqual(expired, ['near']);
    clock.now += 10;
    await sleep(30);
    assert.deepEqual(expired, ['near', 'far']);
    wheel.stop();
  });

  it('deadline wheel - a clock jump of many laps expires everything due in one tick', async () => {
    const { wheel, expired, clock } = wheelOnFakeClock(10, 8);
    for (let i = 0; i < 50; i++) wheel.add(item(`i${i}`), i * 7);
    wheel.add(item('later'), 10_000);
    clock.now += 1_000;
    await sleep(30);
    assert.equal(expired.length, 50);
    assert.equal(wheel.size, 1);
    wheel.stop();
  });

  it('deadline wheel - a wheel that emptied expires items added later', async () => {
    const { wheel, expired, clock } = wheelOnFakeClock();
    const a = item('a');
    wheel.add(a, 10);
    wheel.remove(a);
    await sleep(40);
    wheel.add(item('b'), 10);
    clock.now += 20;
    await sleep(40);
    assert.deepEqual(expired, ['b']);
    wheel.stop();
  });

  it('deadline wheel - rejects a slot count that is not a power of two', () => {
    assert.throws(() => new DeadlineWheel(() => undefined, { slots: 12 }), RangeError);
  });
});
