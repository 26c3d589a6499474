import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { NatsRole } from '@msec/contracts';
import { startNats, type NatsTestServer } from '@msec/testing';
import { DataSource, EntitySchema, type EntityManager } from 'typeorm';
import {
  EventFeedRelay,
  EventStore,
  EventSubscriber,
  EventUpcasters,
  ProjectionCheckpointEntity,
  ProjectionRunner,
  createEvent,
  type DomainEvent,
} from '../src/index.js';
import { waitFor } from './helpers.js';

type PriceV2 = DomainEvent<'registry.PriceSet', { amount: { value: number; currency: string } }>;

describe('event feed', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let gateway: NatsConnection;
  let store: EventStore;
  let relay: EventFeedRelay;

  before(async () => {
    nats = await startNats();
    nc = await nats.connectAs(NatsRole.registry);
    store = new EventStore(nc);
    await store.init();
    // The gateway copies the event stream to the feed automation reads.
    gateway = await nats.connectAs(NatsRole.gateway);
    relay = new EventFeedRelay(gateway);
    await relay.start();
  });
  after(async () => {
    await relay.stop();
    await gateway.close();
    await nc.close();
    await nats.dispose();
  });

  it('event upcasting - a v1 event in the stream reaches the subscriber as the current version', async () => {
    // Version 1 stored a bare price in euros; version 2 names the currency.
    await store.append('registry.prices', createEvent('registry.PriceSet', 'flight', { price: 12 }, { version: 1 }));
    await store.append(
      'registry.prices',
      createEvent('registry.PriceSet', 'hotel', { amount: { value: 80, currency: 'USD' } }, { version: 2 }),
    );
    const upcasters = new EventUpcasters().register('registry.PriceSet', 1, (p) => ({
      amount: { value: (p as { price: number }).price, currency: 'EUR' },
    }));
    const seen: PriceV2[] = [];
    const sub = new EventSubscriber<PriceV2>(nc, async (e) => void seen.push(e), {
      durable: 'upcast-test',
      filter: 'registry.prices',
      upcasters,
    });
    await sub.start();
    try {
      await waitFor('both events', () => seen.length === 2);
    } finally {
      await sub.stop();
    }
    assert.deepEqual(
      seen.map((e) => [e.aggregateId, e.version, e.payload]),
      [
        ['flight', 2, { amount: { value: 12, currency: 'EUR' } }],
        ['hotel', 2, { amount: { value: 80, currency: 'USD' } }],
      ],
    );
  });

  it('event upcasting - a projection applies a v1 event in its current shape', async () => {
    const Price = new EntitySchema<{ id: string; value: number; currency: string }>({
      name: 'Price',
      tableName: 'prices',
      columns: { id: { type: 'varchar', primary: true }, value: { type: 'int' }, currency: { type: 'varchar' } },
    });
    const ds = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [Price, ProjectionCheckpointEntity],
      synchronize: true,
    });
    await ds.initialize();
    const upcasters = new EventUpcasters().register('registry.PriceSet', 1, (p) => ({
      amount: { value: (p as { price: number }).price, currency: 'EUR' },
    }));
    const runner = new ProjectionRunner<PriceV2>(
      nc,
      ds,
      {
        service: 'registry',
        name: 'prices',
        subjects: 'registry.prices',
        apply: async (em: EntityManager, e: PriceV2) => {
          await em.getRepository(Price).save({ id: e.aggregateId, value: e.payload.amount.value, currency: e.payload.amount.currency });
        },
        reset: async (em: EntityManager) => void (await em.getRepository(Price).clear()),
      },
      { upcasters },
    );
    try {
      // The two PriceSet events of the test above: one stored as version 1, one as version 2.
      await runner.start();
      await runner.waitUntilCaughtUp();
      assert.deepEqual(await ds.getRepository(Price).find({ order: { id: 'ASC' } }), [
        { id: 'flight', value: 12, currency: 'EUR' },
        { id: 'hotel', value: 80, currency: 'USD' },
      ]);
    } finally {
      await runner.stop();
      await ds.destroy();
    }
  });

  it('event subscriber - a durable subscriber gets what was appended while it was stopped, and a failed event again', async () => {
    const seen: string[] = [];
    let failOnce = true;
    const handler = async (e: DomainEvent, d: { deliveryCount: number }): Promise<void> => {
      if (e.aggregateId === 'b' && failOnce) {
        failOnce = false;
        throw new Error('receiver down');
      }
      seen.push(`${e.aggregateId}#${d.deliveryCount}`);
    };
    const options = { durable: 'restart-test', filter: 'registry.restart.>', retryDelayMs: 100 };
    const first = new EventSubscriber(nc, handler, options);
    await first.start();
    await store.append('registry.restart.x', createEvent('registry.Thing', 'a', {}));
    await store.append('registry.restart.x', createEvent('registry.Thing', 'b', {}));
    await waitFor('a and b (b retried)', () => seen.length === 2);
    await first.stop();
    await store.append('registry.restart.x', createEvent('registry.Thing', 'c', {}));
    const second = new EventSubscriber(nc, handler, options);
    await second.start();
    try {
      await waitFor('c after the restart', () => seen.length === 3);
    } finally {
      await second.stop();
    }
    assert.deepEqual(seen, ['a#1', 'b#2', 'c#1']);
    await assert.rejects(
      new EventSubscriber(nc, handler, { ...options, filter: 'registry.other.>' }).start(),
      (e: { data?: { field?: string } }) => e.data?.field === 'durable',
    );
  });

  it('event feed - a business identity reads the feed but may neither publish an event nor read the console stream', async () => {
    await store.append('registry.feed.y', createEvent('registry.Thing', 'from-registry', {}));
    const business = await nats.connectAs(NatsRole.service, 'Shop.automation');
    try {
      const seen: string[] = [];
      const sub = new EventSubscriber(business, async (e) => void seen.push(e.aggregateId), {
        durable: 'shop-automation',
        filter: 'registry.feed.>',
      });
      await sub.start();
      await waitFor('the event through the feed', () => seen.includes('from-registry'));
      await sub.stop();
      await assert.rejects(jetstream(business).publish('msec.evt.registry.feed.y', '{}', { timeout: 1_000 }));
      await assert.rejects(jetstream(business).publish('msec.feed.registry.feed.y', '{}', { timeout: 1_000 }));
      const onConsoleStream = new EventSubscriber(business, async () => undefined, {
        durable: 'steal',
        stream: 'MSEC_EVENTS',
        filter: 'registry.feed.>',
      });
      await assert.rejects(onConsoleStream.start());
    } finally {
      await business.close();
    }
  });
});
