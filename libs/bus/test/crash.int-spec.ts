import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { MsecError, NatsRole } from '@msec/contracts';
import { startNats, startRedis, type InfraServer, type NatsTestServer } from '@msec/testing';
import { IdempotencyGuard, MessageBus, type PublishOptions } from '../src/index.js';
import { sleep, startWorker, waitFor } from './helpers.js';

describe('bus under crashes', () => {
  let nats: NatsTestServer;
  let redisServer: InfraServer;
  let nc: NatsConnection;
  let redis: Redis;
  let bus: MessageBus;
  let guard: IdempotencyGuard;

  before(async () => {
    [nats, redisServer] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect({ maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    redis = new Redis(redisServer.url);
    bus = new MessageBus(nc, { publishTimeoutMs: 2_000 });
    await bus.init();
    guard = new IdempotencyGuard(redis);
  });
  after(async () => {
    await bus.close();
    await nc.close();
    redis.disconnect();
    await Promise.all([nats.dispose(), redisServer.dispose()]);
  });

  /** Publishes with the same msgId until JetStream acknowledges: at-least-once from the producer. */
  async function publishUntilAcked(subject: string, body: unknown, options: PublishOptions): Promise<void> {
    for (;;) {
      try {
        await bus.publish(subject, body, options);
        return;
      } catch (error) {
        if (!(error instanceof MsecError) || !error.retryable) throw error;
        await sleep(100);
      }
    }
  }

  it('consumer kill - messages a dead member held come to another member after the lease; none lost', async () => {
    const subject = 'batch.item';
    const effective = new Map<string, number>();
    const worker = startWorker('consumer', {
      nats: nats.url,
      creds: await nats.credsFile(NatsRole.deploy),
      subject,
      group: 'workers',
      handleMs: 5_000,
      leaseMs: 2_000,
    });
    await worker.ready;
    const ids = Array.from({ length: 30 }, (_, i) => `item-${i}`);
    for (const id of ids) await bus.publish(subject, { id }, { msgId: id });
    await waitFor('worker busy with a batch', () => worker.lines.length >= 4);
    const heldByDead = worker.lines.map((l) => String(l.received));
    await worker.kill();
    await bus.subscribe(
      subject,
      async (m, ctx) => {
        await guard.runOnce(
          `${m.subject}:${ctx.group}`,
          m.msgId,
          async () => void effective.set(m.msgId, (effective.get(m.msgId) ?? 0) + 1),
        );
      },
      { group: 'workers', ackLeaseMs: 2_000 },
    );
    await waitFor('every message handled', () => ids.every((id) => effective.has(id)), 20_000);
    for (const id of ids) assert.equal(effective.get(id), 1);
    assert.ok(
      heldByDead.length >= 4 && heldByDead.every((id) => effective.has(id)),
      'in-flight messages of the dead member were redelivered',
    );
  });

  it('nats kill - a server crash mid-stream loses no acknowledged or retried message, and duplicates are removed', async () => {
    const subject = 'stream.tick';
    const rawCount = new Map<string, number>();
    const effective = new Map<string, number>();
    await bus.subscribe(
      subject,
      async (m, ctx) => {
        rawCount.set(m.msgId, (rawCount.get(m.msgId) ?? 0) + 1);
        await guard.runOnce(
          `${m.subject}:${ctx.group}`,
          m.msgId,
          async () => void effective.set(m.msgId, (effective.get(m.msgId) ?? 0) + 1),
        );
      },
      { group: 'tickers', ackLeaseMs: 2_000 },
    );
    const broadcastSeen = new Set<string>();
    await bus.subscribe(subject, (m) => void broadcastSeen.add(m.msgId), { broadcast: true });
    const ids = Array.from({ length: 200 }, (_, i) => `tick-${i}`);
    const producer = (async () => {
      for (const id of ids) await publishUntilAcked(subject, { id }, { msgId: id });
    })();
    await waitFor('some traffic', () => effective.size >= 30);
    await nats.kill();
    await sleep(500);
    await nats.start();
    await producer;
    await waitFor('every message after the restart', () => ids.every((id) => effective.has(id)), 30_000);
    for (const id of ids) assert.equal(effective.get(id), 1, `${id} took effect once`);
    await waitFor('broadcast listener kept up across the restart', () => ids.every((id) => broadcastSeen.has(id)), 15_000);
  });
});
