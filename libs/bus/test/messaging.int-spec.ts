import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsTestServer } from '@msec/testing';
import { BusAdmin, BusStreams, MessageBus, TagMode, type BusMessage, type PulledMessage, type PullSubscription } from '../src/index.js';
import { sleep, waitFor } from './helpers.js';

/** Fetches until `count` messages came (or fails after 10 s). */
async function waitForBatch<T>(pull: PullSubscription<T>, count: number): Promise<PulledMessage<T>[]> {
  const got: PulledMessage<T>[] = [];
  for (const deadline = Date.now() + 10_000; got.length < count && Date.now() < deadline;)
    got.push(...(await pull.fetch(count - got.length, 1000)));
  assert.equal(got.length, count, `${count} message(s) fetched`);
  return got;
}

describe('message bus', () => {
  let nats: NatsTestServer;
  const conns: NatsConnection[] = [];
  const buses: MessageBus[] = [];

  async function newBus(options: ConstructorParameters<typeof MessageBus>[1] = {}): Promise<MessageBus> {
    const nc = await nats.connect();
    conns.push(nc);
    const bus = new MessageBus(nc, options);
    await bus.init();
    buses.push(bus);
    return bus;
  }

  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    for (const b of buses) await b.close();
    for (const c of conns) await c.close();
    await nats.dispose();
  });

  it('groups - each message goes to one member of a group, every group gets it, broadcast reaches every instance', async () => {
    const a1 = await newBus();
    const a2 = await newBus();
    const got = { a1: [] as string[], a2: [] as string[], b: [] as string[], bc1: [] as string[], bc2: [] as string[] };
    const rec = (list: string[]) => (m: BusMessage) => void list.push(m.msgId);
    await a1.subscribe('order.created', rec(got.a1), { group: 'billing' });
    await a2.subscribe('order.created', rec(got.a2), { group: 'billing' });
    await a1.subscribe('order.*', rec(got.b), { group: 'audit' });
    await a1.subscribe('order.created', rec(got.bc1), { broadcast: true });
    await a2.subscribe('order.created', rec(got.bc2), { broadcast: true });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await a1.publish('order.created', { n: i })).msgId);
    await waitFor(
      'all deliveries',
      () => got.a1.length + got.a2.length === 40 && got.b.length === 40 && got.bc1.length === 40 && got.bc2.length === 40,
    );
    assert.deepEqual([...got.a1, ...got.a2].sort(), [...ids].sort(), 'each message exactly once across the group');
    assert.ok(got.a1.length > 0 && got.a2.length > 0, 'both members share the work');
    const dup = await a1.publish('order.created', { n: 0 }, { msgId: ids[0] });
    assert.equal(dup.duplicate, true, 'a publish id seen within the window is stored once');
  });

  it('pull - fetch(n) hands out at most n, each once across two pulling members; ack, retry with back-off, lease expiry and dead letter follow the group rules', async () => {
    const retry = { 'pull.*': { kind: 'schedule' as const, delaysMs: [300, 300] } };
    const bus = await newBus({ retry });
    const other = await newBus({ retry });
    const admin = new BusAdmin(bus);
    const a = await bus.pull<{ n: number }>('pull.job', { group: 'pullers', ackLeaseMs: 3000 });
    const b = await other.pull<{ n: number }>('pull.job', { group: 'pullers', ackLeaseMs: 3000 });
    await assert.rejects(a.fetch(0), { code: 'VALIDATION_FAILED' });
    assert.deepEqual(await a.fetch(5, 1000), [], 'nothing there: an empty batch after the wait');
    for (let n = 0; n < 10; n += 1) await bus.publish('pull.job', { n });
    const first = await a.fetch(4);
    assert.equal(first.length, 4);
    const second = await b.fetch(10);
    assert.equal(second.length, 6, 'the other member gets the rest, none twice');
    assert.deepEqual(
      [...first, ...second].map((m) => m.body.n).sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    for (const m of [...first.slice(1), ...second]) m.ack();
    // One is asked to come back, one is left to its lease: both come again as attempt 2.
    await first[0]!.retry('not now');
    const again = await waitForBatch(a, 1);
    assert.deepEqual([again[0]!.body.n, again[0]!.attempt], [first[0]!.body.n, 2]);
    await sleep(3300);
    const leased = await waitForBatch(b, 1);
    assert.deepEqual([leased[0]!.body.n, leased[0]!.attempt], [first[0]!.body.n, 3], 'a lease that ran out hands it out again');
    // The last attempt's retry sends it to the dead letters of the group.
    await leased[0]!.retry('gave up');
    await waitFor('dead letter', async () => (await admin.deadLetters.list({ group: 'pullers' })).length === 1);
    const [dead] = await admin.deadLetters.inspect(leased[0]!.msgId, 'pullers');
    assert.equal(dead!.reason, 'gave up');
    assert.deepEqual(await a.fetch(10, 1000), [], 'nothing else comes back');
  });

  it('ordered - one key at a time and in publish order across two members, keys in parallel; a failed message is retried before the next of its key', async () => {
    const retry = { 'ord.*': { kind: 'schedule' as const, delaysMs: [200, 200, 200] } };
    const a = await newBus({ retry });
    const b = await newBus({ retry });
    const field = (f: string) => (e: { data?: { field?: string } }) => e.data?.field === f;
    await assert.rejects(
      a.subscribe('ord.events', () => undefined, { group: 'x', orderedBy: 'nope' as 'key' }),
      field('orderedBy'),
    );
    await assert.rejects(
      a.subscribe('ord.events', () => undefined, { broadcast: true, orderedBy: 'key' }),
      field('orderedBy'),
    );
    await assert.rejects(
      a.subscribe('ord.events', () => undefined, { group: 'x', orderedBy: 'key', partitions: 65 }),
      field('partitions'),
    );
    await assert.rejects(a.publish('ord.events', {}, { key: '' }), field('key'));
    const seen = new Map<string, number[]>();
    const busy = new Set<string>();
    const byMember = { a: 0, b: 0 };
    let overlaps = 0;
    let failedOnce = false;
    const handler = (member: 'a' | 'b') => async (m: BusMessage) => {
      const { key, n } = m.body as { key: string; n: number };
      assert.equal(m.key, key);
      if (busy.has(key)) overlaps += 1;
      busy.add(key);
      try {
        await sleep(Math.floor(Math.random() * 4));
        if (key === 'k1' && n === 3 && !failedOnce) {
          failedOnce = true;
          throw new Error('the first try of k1 #3 fails');
        }
        seen.set(key, [...(seen.get(key) ?? []), n]);
        byMember[member] += 1;
      } finally {
        busy.delete(key);
      }
    };
    await a.subscribe('ord.events', handler('a'), { group: 'ord', orderedBy: 'key', partitions: 4 });
    await b.subscribe('ord.events', handler('b'), { group: 'ord', orderedBy: 'key', partitions: 4 });
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    for (let n = 0; n < 10; n += 1) for (const key of keys) await a.publish('ord.events', { key, n }, { key });
    await waitFor('every message handled', () => [...seen.values()].reduce((sum, list) => sum + list.length, 0) === 60, 30_000);
    for (const key of keys) assert.deepEqual(seen.get(key), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], `messages of ${key} in publish order`);
    assert.equal(overlaps, 0, 'never two messages of one key at once');
    assert.ok(failedOnce, 'k1 #3 failed once and was retried before k1 #4');
    assert.ok(byMember.a > 0 && byMember.b > 0, `both members took part: ${JSON.stringify(byMember)}`);
  });

  it('tags - no tag takes all, AND needs all, OR needs one, and tagged consumers never get untagged messages', async () => {
    const bus = await newBus();
    const got: Record<string, string[]> = { none: [], and: [], or: [] };
    await bus.subscribe('shop.paid', (m) => void got.none!.push(String(m.body)), { group: 'none' });
    await bus.subscribe('shop.paid', (m) => void got.and!.push(String(m.body)), {
      group: 'andg',
      tags: ['vip', 'eu'],
      tagMode: TagMode.and,
    });
    await bus.subscribe('shop.paid', (m) => void got.or!.push(String(m.body)), { group: 'org', tags: ['vip', 'eu'], tagMode: TagMode.or });
    await bus.publish('shop.paid', 'untagged');
    await bus.publish('shop.paid', 'vip', { tags: ['vip'] });
    await bus.publish('shop.paid', 'vip+eu', { tags: ['eu', 'vip', 'new'] });
    await bus.publish('shop.paid', 'us', { tags: ['us'] });
    await waitFor('untagged consumer', () => got.none!.length === 4);
    await sleep(300);
    assert.deepEqual(got.and, ['vip+eu']);
    assert.deepEqual(got.or!.sort(), ['vip', 'vip+eu']);
  });

  it('validation - unknown subject, oversized body and bad delays are refused by field, and nothing is published', async () => {
    const bus = await newBus({ subjects: ['order.*', 'shop.>'], maxMessageBytes: 1_000 });
    const jsm = await bus.manager();
    const before = (await jsm.streams.info(BusStreams.messages)).state.messages;
    const beforeDelayed = (await jsm.streams.info(BusStreams.delayed)).state.messages;
    const field = (code: string, f: string) => (e: { code?: string; data?: { field?: string } }) => e.code === code && e.data?.field === f;
    await assert.rejects(bus.publish('payment.done', {}), field('BUS_UNKNOWN_SUBJECT', 'subject'));
    await assert.rejects(bus.publish('order.*', {}), field('VALIDATION_FAILED', 'subject'));
    await assert.rejects(bus.publish('order.big', 'x'.repeat(2_000)), field('BUS_MESSAGE_TOO_LARGE', 'body'));
    await assert.rejects(bus.publish('order.late', {}, { delayMs: -5 }), field('VALIDATION_FAILED', 'delayMs'));
    await assert.rejects(bus.publish('order.late', {}, { delayMs: 3 * 365 * 86_400_000 }), field('VALIDATION_FAILED', 'delayMs'));
    await assert.rejects(bus.publish('order.late', {}, { delayMs: 'soon' as unknown as number }), field('VALIDATION_FAILED', 'delayMs'));
    await assert.rejects(bus.publish('order.late', {}, { deliverAt: new Date('nope') }), field('VALIDATION_FAILED', 'deliverAt'));
    await assert.rejects(
      bus.publish('order.tags', {}, { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }),
      field('VALIDATION_FAILED', 'tags'),
    );
    await assert.rejects(bus.publish('order.id', {}, { msgId: 'has space' }), field('VALIDATION_FAILED', 'msgId'));
    assert.equal((await jsm.streams.info(BusStreams.messages)).state.messages, before);
    assert.equal((await jsm.streams.info(BusStreams.delayed)).state.messages, beforeDelayed);
  });

  it('retry - schedule, attempt number, retry-at, dead letter after the last attempt, then re-drive to that group only', async () => {
    const bus = await newBus({ retry: { 'job.*': { kind: 'schedule', delaysMs: [200, 400] } } });
    const admin = new BusAdmin(bus);
    const attempts: Array<{ attempt: number; at: number }> = [];
    let healthy = false;
    const other: string[] = [];
    await bus.subscribe('job.run', () => void other.push('x'), { group: 'bystander' });
    await bus.subscribe(
      'job.run',
      (m, ctx) => {
        attempts.push({ attempt: ctx.attempt, at: Date.now() });
        if (!healthy) throw new Error(`boom on ${ctx.attempt}/${ctx.maxAttempts}`);
        assert.equal(m.body, 'work');
      },
      { group: 'runner' },
    );
    const { msgId } = await bus.publish('job.run', 'work');
    await waitFor('dead letter', async () => (await admin.deadLetters.list({ group: 'runner' })).length === 1);
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1, 2, 3],
    );
    assert.ok(attempts[1]!.at - attempts[0]!.at >= 180, 'second attempt waits ~200 ms');
    assert.ok(attempts[2]!.at - attempts[1]!.at >= 380, 'third attempt waits ~400 ms');
    const [dead] = await admin.deadLetters.inspect(msgId, 'runner');
    assert.equal(dead!.attempts, 3);
    assert.match(dead!.reason, /boom on 3\/3/);
    assert.equal(dead!.message.body, 'work');
    await assert.rejects(admin.deadLetters.inspect('nope'), { code: 'BUS_DEAD_LETTER_NOT_FOUND' });

    healthy = true;
    await admin.deadLetters.redrive(msgId, 'runner');
    await waitFor('re-driven delivery', () => attempts.length === 4);
    assert.equal(attempts[3]!.attempt, 1, 'a re-driven message starts with fresh attempts');
    assert.equal((await admin.deadLetters.list({ group: 'runner' })).length, 0);
    await sleep(300);
    assert.equal(other.length, 1, 'the bystander group saw the original only, not the re-drive');

    await waitFor('trace', async () => (await admin.trace(msgId)).deliveries.some((d) => d.kind === 'acked'));
    const trace = await admin.trace(msgId);
    assert.equal(trace.subject, 'job.run');
    assert.equal(trace.producer, bus.producer);
    assert.equal(Buffer.from(trace.body!).toString(), '"work"');
    const runner = trace.deliveries.filter((d) => d.group === 'runner').map((d) => `${d.kind}:${d.attempt}`);
    assert.deepEqual(runner, ['retry:1', 'retry:2', 'dead:3', 'acked:1']);
    assert.equal(trace.deadLetters.length, 1);
    assert.ok(trace.records.some((r) => r.kind === 'redriven'));

    const retryAt: number[] = [];
    await bus.subscribe(
      'job.later',
      (_m, ctx) => {
        retryAt.push(Date.now());
        if (ctx.attempt === 1) ctx.retryAt(Date.now() + 700);
      },
      { group: 'runner' },
    );
    await bus.publish('job.later', 1);
    await waitFor('retry at a given time', () => retryAt.length === 2);
    assert.ok(retryAt[1]! - retryAt[0]! >= 650, 'the handler-chosen time is honoured');
  });

  it('at-most-once - a message is acknowledged before handling and its redeliveries are dropped', async () => {
    const bus = await newBus();
    const seen: number[] = [];
    await bus.subscribe(
      'mail.send',
      (_m, ctx) => {
        seen.push(ctx.attempt);
        throw new Error('handler failed');
      },
      { group: 'mailer', atMostOnce: true, retry: { kind: 'fixed', delayMs: 100, maxAttempts: 5 } },
    );
    await bus.publish('mail.send', { to: 'a@b' });
    await waitFor('first handling', () => seen.length === 1);
    await sleep(600);
    assert.deepEqual(seen, [1]);
  });

  it('trace - a message nobody consumed is found through the publish index, content and publish facts read from its stored copy', async () => {
    const bus = await newBus({ producer: 'tracer' });
    const admin = new BusAdmin(bus);
    const before = Date.now();
    const now = await bus.publish('audit.unread', { n: 1 }, { tags: ['eu'] });
    const later = await bus.publish('audit.unread', 'later', { delayMs: 60_000 });
    await bus.close();
    const trace = await admin.trace(now.msgId);
    assert.equal(trace.subject, 'audit.unread');
    assert.equal(trace.producer, 'tracer');
    assert.deepEqual(trace.tags, ['eu']);
    assert.ok(trace.publishedAt!.getTime() >= before && trace.publishedAt!.getTime() <= Date.now());
    assert.equal(Buffer.from(trace.body!).toString(), '{"n":1}');
    assert.deepEqual(
      trace.records.map((r) => [r.kind, r.stream, r.seq]),
      [['published', BusStreams.messages, now.seq]],
    );
    assert.equal(trace.deliveries.length, 0);
    const waiting = await admin.trace(later.msgId);
    assert.equal(waiting.deliverAt?.getTime(), later.deliverAt);
    assert.equal(Buffer.from(waiting.body!).toString(), '"later"');
    assert.equal(waiting.records[0]?.stream, BusStreams.delayed);
    const unknown = await admin.trace('never-published');
    assert.equal(unknown.records.length, 0);
    assert.equal(unknown.body, undefined);
  });

  it('admin - streams and consumers with their lag are listed', async () => {
    const bus = await newBus();
    const admin = new BusAdmin(bus);
    const streams = await admin.listStreams();
    assert.ok(streams.some((s) => s.name === BusStreams.messages && s.messages > 0));
    const consumers = await admin.listConsumers();
    assert.ok(consumers.some((c) => c.durable && c.name.startsWith('grp_billing_') && c.pending === 0));
  });
});
