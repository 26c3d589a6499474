import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection } from '@nats-io/transport-node';
import {
  BusApiSubjects,
  Component,
  MsecError,
  Subjects,
  type BusDeadLetterView,
  type BusPublishReply,
  type BusStreamView,
  type BusTraceView,
  type HealthReport,
  NatsRole,
} from '@msec/contracts';
import { DataSource } from 'typeorm';
import { OutboxEntity, ProcessedMessageEntity, type BusMessage, type DeliveryContext } from '@msec/bus';
import { natsRequest } from '@msec/platform';
import { startNats, startRedis, type InfraServer, type NatsTestServer } from '@msec/testing';
import { Mq, idempotentInTransaction } from '@msec/sdk';
import { startDeployApp } from './helpers/deploy-app.js';

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function refused(promise: Promise<unknown>): Promise<MsecError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof MsecError, `expected an MsecError, got ${String(error)}`);
  return error;
}

describe('deploy messaging', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let nc: NatsConnection;
  let app: INestMicroservice;
  let dir: string;
  let mq: InstanceType<typeof Mq>;

  before(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect();
    dir = mkdtempSync(join(tmpdir(), 'msec-deploy-messaging-'));
    process.env.MSEC_BUS_SUBJECTS = 'shop.>';
    app = await startDeployApp(nats, redis.url, join(dir, 'data'));
    // The business side connects as a business service identity, as a released instance does.
    process.env.MSEC_NATS_CREDS = await nats.credsFile(NatsRole.service, 'Shop.messaging-test');
    mq = new Mq({ natsUrl: nats.url, producer: 'messaging-test' });
  });

  after(async () => {
    delete process.env.MSEC_BUS_SUBJECTS;
    delete process.env.MSEC_NATS_CREDS;
    await mq?.close();
    await app?.close();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy messaging - sdk.mq pull: a service fetches a batch with its own NATS identity and settles each message', async () => {
    const pull = await mq.pull<{ n: number }>('shop.pulled', { group: 'pullers' });
    for (let n = 0; n < 3; n += 1) await mq.publish('shop.pulled', { n });
    const batch = await pull.fetch(3, 5000);
    assert.deepEqual(
      batch.map((m) => m.body.n),
      [0, 1, 2],
    );
    for (const m of batch) m.ack();
    assert.deepEqual(await pull.fetch(3, 1000), [], 'acknowledged: not delivered again');
  });

  it('deploy messaging - sdk.mq key-ordered subscription: a service relays and handles messages of one key in order with its own NATS identity', async () => {
    const got: number[] = [];
    await mq.subscribe(
      'shop.ordered',
      async (m) => {
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
        got.push((m.body as { n: number }).n);
      },
      { group: 'orderers', orderedBy: 'key', partitions: 2 },
    );
    for (let n = 0; n < 20; n += 1) await mq.publish('shop.ordered', { n }, { key: 'cart-1' });
    const deadline = Date.now() + 15_000;
    while (got.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      got,
      Array.from({ length: 20 }, (_, n) => n),
    );
  });

  it('deploy messaging - health stays ready with the bus hosted', async () => {
    const report = await natsRequest<HealthReport>(nc, Subjects.health(Component.deploy), {});
    assert.equal(report.ready, true, JSON.stringify(report));
  });

  it('deploy messaging - a message delayed through msec.bus.publish reaches an sdk.mq group on time, with its tags', async () => {
    const got: Array<{ at: number; body: unknown; tags: string[] }> = [];
    await mq.subscribe('shop.remind', (m) => void got.push({ at: Date.now(), body: m.body, tags: m.tags }), {
      group: 'reminders',
      tags: ['vip'],
    });
    const sentAt = Date.now();
    const reply = await natsRequest<BusPublishReply>(nc, BusApiSubjects.publish, {
      subject: 'shop.remind',
      body: { order: 'o-1' },
      tags: ['vip', 'eu'],
      delayMs: 1_500,
      msgId: 'remind-o-1',
    });
    assert.equal(reply.stream, 'MSEC_MQ_DELAY');
    assert.ok(reply.deliverAt !== null && Date.parse(reply.deliverAt) >= sentAt + 1_500);
    const first = await until('the delayed message', async () => got[0]);
    assert.deepEqual(first.body, { order: 'o-1' });
    assert.deepEqual([...first.tags].sort(), ['eu', 'vip']);
    assert.ok(first.at >= Date.parse(reply.deliverAt!), 'not delivered before it was due');
    // Functional bound only ("on time", QMQ promises about 1 s); lateness is measured in bench/.
    assert.ok(first.at - Date.parse(reply.deliverAt!) < 3_000, `delivered ${first.at - Date.parse(reply.deliverAt!)} ms late`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 1, 'delivered once');

    const streams = await natsRequest<BusStreamView[]>(nc, BusApiSubjects.streams, {});
    assert.ok(streams.some((s) => s.name === 'MSEC_MQ' && s.messages >= 1));
    const consumers = await natsRequest<Array<{ name: string; pending: number }>>(nc, BusApiSubjects.consumers, {});
    assert.ok(
      consumers.some((c) => c.name.includes('reminders')),
      JSON.stringify(consumers),
    );
  });

  it('deploy messaging - a failing handler ends in the dead letters, is listed, inspected, re-driven and then handled; trace shows it all', async () => {
    let failing = true;
    const handled: number[] = [];
    await mq.subscribe(
      'shop.charge',
      (_m, ctx) => {
        if (failing) throw new Error(`card declined (attempt ${ctx.attempt})`);
        handled.push(ctx.attempt);
      },
      { group: 'billing', retry: { kind: 'fixed', delayMs: 200, maxAttempts: 3 } },
    );
    await natsRequest<BusPublishReply>(nc, BusApiSubjects.publish, { subject: 'shop.charge', body: { amount: 42 }, msgId: 'charge-1' });

    const listed = await until('the dead letter', async () => {
      const letters = await natsRequest<BusDeadLetterView[]>(nc, BusApiSubjects.deadLettersList, { group: 'billing' });
      return letters.find((d) => d.message.msgId === 'charge-1');
    });
    assert.equal(listed.attempts, 3);
    assert.match(listed.reason, /card declined/);
    assert.deepEqual(listed.message.body, { amount: 42 });

    const [inspected] = await natsRequest<BusDeadLetterView[]>(nc, BusApiSubjects.deadLettersInspect, { msgId: 'charge-1' });
    assert.equal(inspected!.group, 'billing');
    assert.ok(Object.keys(inspected!.message.headers).length > 0, 'stored headers are shown');

    failing = false;
    const { redriven } = await natsRequest<{ redriven: BusDeadLetterView[] }>(nc, BusApiSubjects.deadLettersRedrive, {
      msgId: 'charge-1',
      group: 'billing',
    });
    assert.equal(redriven.length, 1);
    await until('the re-driven message to be handled', async () => (handled.length > 0 ? true : undefined));
    assert.deepEqual(handled, [1], 'fresh attempts after a re-drive');
    const left = await natsRequest<BusDeadLetterView[]>(nc, BusApiSubjects.deadLettersList, { group: 'billing' });
    assert.equal(left.length, 0);

    const trace = await until('the full trace', async () => {
      const t = await natsRequest<BusTraceView>(nc, BusApiSubjects.trace, { msgId: 'charge-1' });
      return t.timeline.some((s) => s.kind === 'acked') ? t : undefined;
    });
    assert.equal(trace.subject, 'shop.charge');
    assert.equal(trace.producer, 'msec-deploy');
    assert.deepEqual(trace.body, { amount: 42 });
    const kinds = trace.timeline.map((s) => s.kind);
    for (const k of ['published', 'retry', 'dead', 'redriven', 'acked']) assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
    assert.ok(trace.deliveries.filter((d) => d.kind === 'retry').length >= 2);
    assert.equal(trace.dead, false, 'no longer dead after the re-drive');
    assert.ok(trace.deliveries.every((d) => d.group === 'billing' && d.consumer?.startsWith('billing@')));

    const missing = await refused(natsRequest(nc, BusApiSubjects.deadLettersRedrive, { msgId: 'charge-1', group: 'billing' }));
    assert.equal(missing.code, 'BUS_DEAD_LETTER_NOT_FOUND');
  });

  it('deploy messaging - sdk.mq outbox sends committed messages only, and the idempotent helper runs a message id once', async () => {
    const ds = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [OutboxEntity, ProcessedMessageEntity],
      synchronize: true,
    });
    await ds.initialize();
    try {
      const got: string[] = [];
      await mq.subscribe('shop.order', (m) => void got.push(m.msgId), { group: 'shipping' });
      const outbox = mq.outbox(ds, { watchdog: false });
      await outbox.transaction(async (_em, enqueue) => {
        await enqueue({ subject: 'shop.order', body: { id: 'o-7' }, msgId: 'order-7' });
      });
      await assert.rejects(
        outbox.transaction(async (_em, enqueue) => {
          await enqueue({ subject: 'shop.order', body: { id: 'o-8' }, msgId: 'order-8' });
          throw new Error('business rule failed');
        }),
        /business rule failed/,
      );
      await until('the committed outbox message', async () => (got.includes('order-7') ? true : undefined));
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(got, ['order-7'], 'the rolled-back message was never sent');
      assert.equal(await ds.getRepository(OutboxEntity).count(), 0, 'sent rows are removed');

      let effects = 0;
      const handler = idempotentInTransaction(ds, async () => {
        effects++;
      });
      const message = { msgId: 'order-7', subject: 'shop.order' } as BusMessage;
      const ctx = { group: 'ledger', attempt: 1 } as DeliveryContext;
      await handler(message, ctx);
      await handler(message, { ...ctx, attempt: 2 });
      assert.equal(effects, 1, 'a redelivery has no effect');
    } finally {
      await ds.destroy();
    }
  });

  it('deploy messaging - bad input names the field and publishes nothing', async () => {
    const jsm = await jetstreamManager(nc);
    const seqs = async (): Promise<number[]> =>
      Promise.all(['MSEC_MQ', 'MSEC_MQ_DELAY'].map(async (s) => (await jsm.streams.info(s)).state.last_seq));
    const before = await seqs();
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ subject: 'other.thing', body: 1 }, 'BUS_UNKNOWN_SUBJECT', 'subject'],
      [{ subject: 'shop..x', body: 1 }, 'VALIDATION_FAILED', 'subject'],
      [{ subject: 'shop.big', body: 'x'.repeat(1_042_000) }, 'BUS_MESSAGE_TOO_LARGE', 'body'],
      [{ subject: 'shop.later', body: 1, delayMs: -5 }, 'VALIDATION_FAILED', 'delayMs'],
      [{ subject: 'shop.later', body: 1, delayMs: 3 * 365 * 24 * 3_600_000 }, 'VALIDATION_FAILED', 'delayMs'],
      [{ subject: 'shop.later', body: 1, deliverAt: 'next tuesday' }, 'VALIDATION_FAILED', 'deliverAt'],
      [{ subject: 'shop.later', body: 1, delayMs: 1_000, deliverAt: Date.now() + 5_000 }, 'VALIDATION_FAILED', 'delayMs'],
      [{ subject: 'shop.tags', body: 1, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'VALIDATION_FAILED', 'tags'],
      [{ subject: 'shop.x', body: 1, priority: 'high' }, 'VALIDATION_FAILED', 'priority'],
      [{ subject: 'shop.x' }, 'VALIDATION_FAILED', 'body'],
    ];
    for (const [request, code, field] of cases) {
      const error = await refused(natsRequest(nc, BusApiSubjects.publish, request, 10_000));
      assert.equal(error.code, code, `${JSON.stringify(request).slice(0, 80)}: ${error.message}`);
      assert.equal((error.data as { field?: string }).field, field, error.message);
    }
    assert.deepEqual(await seqs(), before, 'nothing was published');
    const sdkError = await refused(mq.publish('shop.x', 1, { deliverAt: Number.NaN }));
    assert.equal((sdkError.data as { field?: string }).field, 'deliverAt');
  });
});
