import { NatsRole } from '@msec/contracts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { startNats, startRedis, type InfraServer, type NatsTestServer } from '@msec/testing';
import { BusStreams, cancelScheduled, DelayScheduler, IdempotencyGuard, MessageBus } from '../src/index.js';
import { sleep, startWorker, waitFor } from './helpers.js';

describe('delayed messages', () => {
  let nats: NatsTestServer;
  let redisServer: InfraServer;
  let nc: NatsConnection;
  let redis: Redis;
  let bus: MessageBus;
  let guard: IdempotencyGuard;
  /** Raw deliveries and effective (de-duplicated) handlings per message id, with arrival times. */
  const raw = new Map<string, number>();
  const effective = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  const due = new Map<string, number>();

  before(async () => {
    [nats, redisServer] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect({ maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    redis = new Redis(redisServer.url, { maxRetriesPerRequest: 2, retryStrategy: () => 200 });
    redis.on('error', () => undefined); // the Redis crash test kills it on purpose
    bus = new MessageBus(nc);
    await bus.init();
    guard = new IdempotencyGuard(redis);
    await bus.subscribe(
      'timer.>',
      async (m, ctx) => {
        raw.set(m.msgId, (raw.get(m.msgId) ?? 0) + 1);
        const once = await guard.runOnce(`${m.subject}:${ctx.group}`, m.msgId, async () => {
          arrivedAt.set(m.msgId, Date.now());
          effective.set(m.msgId, (effective.get(m.msgId) ?? 0) + 1);
        });
        void once;
      },
      { group: 'timers', ackLeaseMs: 2_000 },
    );
  });
  after(async () => {
    await bus.close();
    await nc.close();
    redis.disconnect();
    await Promise.all([nats.dispose(), redisServer.dispose()]);
  });

  async function publishDelayed(subject: string, delayMs: number): Promise<string> {
    const r = await bus.publish(subject, { delayMs }, { delayMs });
    due.set(r.msgId, r.deliverAt!);
    return r.msgId;
  }

  const lateness = (ids: string[]): number[] => ids.map((id) => arrivedAt.get(id)! - due.get(id)!);

  it('delay - each message arrives at its time, not before, and a short delay is sent at once', async () => {
    const scheduler = new DelayScheduler(nc, redis, { prefix: 'on-time' });
    await scheduler.start();
    try {
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => publishDelayed('timer.ontime', 600 + i * 50)));
      const now = await bus.publish('timer.now', 'x', { delayMs: 200 });
      assert.equal(now.deliverAt, undefined, 'under 500 ms is immediate');
      await waitFor('delayed deliveries', () => ids.every((id) => arrivedAt.has(id)));
      const late = lateness(ids);
      assert.ok(
        late.every((l) => l >= 0),
        `never early: ${late.join(',')}`,
      );
      // QMQ promises about 1 s; the bound leaves slack for a loaded CI box. The 250 ms p99 is measured in bench/bus.
      assert.ok(
        late.every((l) => l < 1_500),
        `about on time: ${late.join(',')}`,
      );
      // The index entries go a few ms after the publishes (one Redis pipeline per batch), so not before delivery.
      await waitFor('index emptied', async () => (await scheduler.pending()) === 0);
    } finally {
      await scheduler.stop();
    }
  });

  it('cancel - a message due in 2028 and one due in a second are withdrawn and never delivered; the one not cancelled is; a second cancel says so', async () => {
    const scheduler = new DelayScheduler(nc, redis, { prefix: 'cancel' });
    await scheduler.start();
    try {
      const far = await bus.publish('timer.cancel', 'far', { deliverAt: Date.parse('2028-06-01T00:00:00Z') });
      const soon = await publishDelayed('timer.cancel', 1_200);
      const kept = await publishDelayed('timer.cancel', 1_200);
      const cancelled = await cancelScheduled(bus, redis, far.msgId, { prefix: 'cancel' });
      assert.deepEqual(
        [cancelled.subject, cancelled.deliverAt, cancelled.alreadyCancelled],
        ['timer.cancel', Date.parse('2028-06-01T00:00:00Z'), false],
      );
      assert.equal((await cancelScheduled(bus, redis, soon, { prefix: 'cancel' })).alreadyCancelled, false);
      assert.equal(
        (await cancelScheduled(bus, redis, soon, { prefix: 'cancel' })).alreadyCancelled,
        true,
        'a second cancel is answered, not refused',
      );
      await waitFor('the message not cancelled', () => arrivedAt.has(kept));
      await sleep(800);
      assert.equal(raw.get(soon), undefined, 'the cancelled message never came');
      assert.equal(
        await bus.manager().then((jsm) => jsm.streams.getMessage(BusStreams.delayed, { seq: far.seq }).catch(() => null)),
        null,
        'gone from the delay stream',
      );
      const code = (c: string) => (e: { code?: string }) => e.code === c;
      await assert.rejects(cancelScheduled(bus, redis, kept, { prefix: 'cancel' }), code('BUS_ALREADY_DELIVERED'));
      await assert.rejects(cancelScheduled(bus, redis, 'no-such-message', { prefix: 'cancel' }), code('BUS_SCHEDULED_NOT_FOUND'));
      const now = await bus.publish('timer.cancel', 'now');
      await sleep(300);
      await assert.rejects(cancelScheduled(bus, redis, now.msgId, { prefix: 'cancel' }), code('BUS_NOT_SCHEDULED'));
    } finally {
      await scheduler.stop();
    }
  });

  it('cancel - cancels racing the dispatch at the due moment: each message is either cancelled and never delivered, or delivered once and the cancel refused', async () => {
    const scheduler = new DelayScheduler(nc, redis, { prefix: 'cancel-race' });
    await scheduler.start();
    try {
      const ids = await Promise.all(Array.from({ length: 40 }, () => publishDelayed('timer.race', 1_000)));
      await sleep(Math.max(0, due.get(ids[0]!)! - Date.now() - 5));
      const outcomes = await Promise.all(
        ids.map((id) =>
          cancelScheduled(bus, redis, id, { prefix: 'cancel-race' }).then(
            () => 'cancelled',
            (e: { code?: string }) => e.code ?? 'error',
          ),
        ),
      );
      await sleep(1_500);
      for (const [i, id] of ids.entries()) {
        if (outcomes[i] === 'cancelled') assert.equal(raw.get(id), undefined, `${id} was cancelled and still delivered`);
        else {
          assert.equal(outcomes[i], 'BUS_ALREADY_DELIVERED');
          assert.equal(raw.get(id), 1, `${id}: the cancel was refused, so it is delivered once`);
        }
      }
    } finally {
      await scheduler.stop();
    }
  });

  it('delay - two schedulers side by side: one leader dispatches, each message is delivered once', async () => {
    const a = new DelayScheduler(nc, redis, { prefix: 'pair', leaderLeaseMs: 1_000 });
    const b = new DelayScheduler(nc, redis, { prefix: 'pair', leaderLeaseMs: 1_000 });
    await Promise.all([a.start(), b.start()]);
    try {
      const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => publishDelayed('timer.pair', 800 + i * 10)));
      await waitFor('delivered', () => ids.every((id) => arrivedAt.has(id)));
      await sleep(300);
      assert.equal([a.isLeader, b.isLeader].filter(Boolean).length, 1);
      for (const id of ids) assert.equal(raw.get(id), 1, `${id} delivered once, not once per scheduler`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('delay - a killed scheduler loses nothing: messages due while it was down come right after it returns, later ones on time', async () => {
    const opts = { nats: nats.url, creds: await nats.credsFile(NatsRole.deploy), redis: redisServer.url, leaderLeaseMs: 1_000 };
    const first = startWorker('scheduler', opts);
    await first.ready;
    const early = await Promise.all(Array.from({ length: 20 }, (_, i) => publishDelayed('timer.crash', 1_000 + i * 20)));
    const later = await Promise.all(Array.from({ length: 20 }, (_, i) => publishDelayed('timer.crash', 5_500 + i * 20)));
    await sleep(600);
    await first.kill();
    await sleep(2_000);
    const second = startWorker('scheduler', opts);
    try {
      await second.ready;
      // Measured from the moment the new scheduler process is up, so a slow process start on a loaded machine is not counted.
      const back = Date.now();
      await waitFor('messages due during the outage', () => early.every((id) => arrivedAt.has(id)), 10_000);
      const afterReturn = early.map((id) => arrivedAt.get(id)! - back);
      assert.ok(
        afterReturn.every((ms) => ms < 3_000),
        `sent right after the scheduler returned: ${afterReturn.join(',')}`,
      );
      await waitFor('later messages', () => later.every((id) => arrivedAt.has(id)), 10_000);
      const late = lateness(later);
      assert.ok(
        late.every((l) => l >= 0 && l < 1_500),
        `later ones on time: ${late.join(',')}`,
      );
      for (const id of [...early, ...later]) assert.equal(effective.get(id), 1, `${id} handled once`);
    } finally {
      await second.kill();
    }
  });

  it('delay - survives a NATS restart and a Redis crash that loses the index', async () => {
    const scheduler = new DelayScheduler(nc, redis, { prefix: 'restarts', reconcileMs: 500, leaderLeaseMs: 1_000 });
    await scheduler.start();
    try {
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => publishDelayed('timer.restart', 3_000 + i * 20)));
      await waitFor('indexed', async () => (await scheduler.pending()) === 20);
      await nats.kill();
      await nats.start();
      // SIGKILL, then wipe the append-only file: Redis comes back empty, as after losing its disk.
      await redisServer.kill();
      const { rmSync } = await import('node:fs');
      rmSync(`${redisServer.dir}/appendonlydir`, { recursive: true, force: true });
      await redisServer.start();
      await waitFor('all delivered after the restarts', () => ids.every((id) => arrivedAt.has(id)), 15_000);
      for (const id of ids) assert.equal(effective.get(id), 1, `${id} handled once`);
      assert.ok(
        ids.every((id) => arrivedAt.get(id)! >= due.get(id)!),
        'none early',
      );
    } finally {
      await scheduler.stop();
    }
  });
});
