import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NatsConnection } from '@nats-io/transport-node';
import { DataSource, EntitySchema } from 'typeorm';
import { startNats, type NatsTestServer } from '@msec/testing';
import {
  MessageBus,
  Outbox,
  OutboxEntity,
  OutboxState,
  ProcessedMessageEntity,
  claimMessage,
  pruneProcessedMessages,
} from '../src/index.js';
import { sleep, waitFor } from './helpers.js';

interface Order {
  id: string;
  total: number;
}
const OrderEntity = new EntitySchema<Order>({
  name: 'Order',
  tableName: 'orders',
  columns: { id: { type: 'varchar', primary: true }, total: { type: 'int' } },
});

describe('transactional outbox', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let ds: DataSource;
  let bus: MessageBus;
  const received: string[] = [];

  before(async () => {
    nats = await startNats();
    nc = await nats.connect({ maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    bus = new MessageBus(nc, { publishTimeoutMs: 1_000 });
    await bus.init();
    ds = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [OrderEntity, OutboxEntity, ProcessedMessageEntity],
      synchronize: true,
    });
    await ds.initialize();
    await bus.subscribe('order.placed', (m) => void received.push(m.msgId), { group: 'shipping' });
  });
  after(async () => {
    await bus.close();
    await nc.close();
    await ds.destroy();
    await nats.dispose();
  });

  it('outbox - a message written in the business transaction is published after commit and its row deleted', async () => {
    const outbox = new Outbox(bus, ds);
    const id = await outbox.transaction(async (em, enqueue) => {
      await em.getRepository(OrderEntity).insert({ id: 'o1', total: 10 });
      return enqueue({ subject: 'order.placed', body: { id: 'o1' } });
    });
    await waitFor('delivery', () => received.includes(id));
    assert.equal(await ds.getRepository(OutboxEntity).count(), 0);
  });

  it('outbox - a rolled-back transaction sends nothing', async () => {
    const outbox = new Outbox(bus, ds);
    let id = '';
    await assert.rejects(
      outbox.transaction(async (em, enqueue) => {
        await em.getRepository(OrderEntity).insert({ id: 'o2', total: 20 });
        id = await enqueue({ subject: 'order.placed', body: { id: 'o2' } });
        throw new Error('business rule failed');
      }),
    );
    await sleep(300);
    assert.equal(received.includes(id), false);
    assert.equal(await ds.getRepository(OutboxEntity).count(), 0);
  });

  it('outbox - a row whose publish failed while NATS was down is sent by the watchdog', async () => {
    const errors: unknown[] = [];
    const outbox = new Outbox(bus, ds, { watchdogAfterMs: 1_000, watchdogIntervalMs: 300, onError: (e) => errors.push(e) });
    await nats.kill();
    const id = await outbox.transaction(async (em, enqueue) => {
      await em.getRepository(OrderEntity).insert({ id: 'o3', total: 30 });
      return enqueue({ subject: 'order.placed', body: { id: 'o3' } });
    });
    const row = await ds.getRepository(OutboxEntity).findOneByOrFail({ id });
    assert.equal(row.state, OutboxState.pending);
    assert.ok(row.attempts >= 1 && row.lastError, 'the failed relay is recorded on the row');
    assert.ok(errors.length >= 1);
    await nats.start();
    outbox.startWatchdog();
    try {
      await waitFor('watchdog resend', () => received.includes(id), 15_000);
      await waitFor('row deleted', async () => (await ds.getRepository(OutboxEntity).count()) === 0);
    } finally {
      await outbox.stop();
    }
  });

  it('outbox - bad input fails the transaction; a row the broker rejects is parked, not retried', async () => {
    const outbox = new Outbox(bus, ds, { watchdogAfterMs: 0 });
    await assert.rejects(
      outbox.transaction((_em, enqueue) => enqueue({ subject: 'order placed', body: {} })),
      (e: { data?: { field?: string } }) => e.data?.field === 'subject',
    );
    // The stream refuses messages over 8 bytes from now on: the broker rejects this row.
    await ds.getRepository(OutboxEntity).insert({
      id: 'orphan1',
      subject: 'order.placed',
      body: '"a body longer than eight bytes"',
      tags: '',
      deliverAt: null,
      createdAt: new Date(0),
      attempts: 0,
      lastError: null,
      state: OutboxState.pending,
    });
    const jsm = await bus.manager();
    const info = await jsm.streams.info('MSEC_MQ');
    await jsm.streams.update('MSEC_MQ', { ...info.config, max_msg_size: 8 });
    try {
      const result = await outbox.sweep();
      assert.equal(result.parked, 1);
      const parked = await outbox.parked();
      assert.deepEqual(
        parked.map((r) => r.id),
        ['orphan1'],
      );
      assert.equal((await outbox.sweep()).parked, 0, 'parked rows are not retried');
    } finally {
      await jsm.streams.update('MSEC_MQ', info.config);
    }
  });

  it('idempotency - a claim in the business transaction makes a redelivered message a no-op', async () => {
    const apply = (msgId: string) =>
      ds.transaction(async (em) => {
        if (!(await claimMessage(em, 'order.placed:shipping', msgId))) return false;
        await em.getRepository(OrderEntity).increment({ id: 'o1' }, 'total', 5);
        return true;
      });
    assert.equal(await apply('m-1'), true);
    assert.equal(await apply('m-1'), false);
    await assert.rejects(
      ds.transaction(async (em) => {
        await claimMessage(em, 'order.placed:shipping', 'm-2');
        throw new Error('handler failed');
      }),
    );
    assert.equal(await apply('m-2'), true, 'a rolled-back claim does not count');
    assert.equal((await ds.getRepository(OrderEntity).findOneByOrFail({ id: 'o1' })).total, 20);
    await sleep(10);
    assert.equal(await pruneProcessedMessages(ds, 0), 2);
  });
});
