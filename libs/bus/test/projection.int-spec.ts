import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { DataSource, EntitySchema, type EntityManager } from 'typeorm';
import { NatsRole } from '@msec/contracts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEMP_DIR_PREFIX, startMariaDb, startNats, type NatsTestServer } from '@msec/testing';
import { deleteAllRows } from '@msec/persistence';
import {
  BusConsumers,
  BusStreams,
  EventStore,
  ProjectionCheckpointEntity,
  ProjectionRunner,
  createEvent,
  type DomainEvent,
  type Projection,
} from '../src/index.js';

interface ServiceRow {
  id: string;
  name: string;
  instances: number;
}
const ServiceEntity = new EntitySchema<ServiceRow>({
  name: 'ServiceRow',
  tableName: 'services',
  columns: { id: { type: 'varchar', primary: true }, name: { type: 'varchar' }, instances: { type: 'int' } },
});

type RegistryEvent =
  | DomainEvent<'service.created', { name: string }>
  | DomainEvent<'instance.added', { ip: string }>
  | DomainEvent<'service.renamed', { name: string }>
  | DomainEvent<'service.deleted', Record<string, never>>;

/** A small read model whose `instance.added` is not idempotent on its own: a double apply would show. */
const servicesProjection: Projection<RegistryEvent> = {
  service: 'registry',
  name: 'services',
  subjects: 'registry.>',
  async apply(em: EntityManager, event: RegistryEvent) {
    const repo = em.getRepository(ServiceEntity);
    switch (event.type) {
      case 'service.created':
        await repo.insert({ id: event.aggregateId, name: event.payload.name, instances: 0 });
        break;
      case 'instance.added':
        await repo.increment({ id: event.aggregateId }, 'instances', 1);
        break;
      case 'service.renamed':
        await repo.update({ id: event.aggregateId }, { name: event.payload.name });
        break;
      case 'service.deleted':
        await repo.delete({ id: event.aggregateId });
        break;
    }
  },
  async reset(em: EntityManager) {
    // DELETE, not clear(): on MariaDB clear() is a TRUNCATE, which commits the rebuild's transaction and lets the live
    // process apply events midway (seen as a duplicate row in the MariaDB race below).
    await deleteAllRows(em, ServiceEntity);
  },
};

describe('event sourcing', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let ds: DataSource;
  let store: EventStore;
  let runner: ProjectionRunner<RegistryEvent>;

  const snapshot = async (): Promise<ServiceRow[]> => ds.getRepository(ServiceEntity).find({ order: { id: 'ASC' } });

  before(async () => {
    nats = await startNats();
    // The event store plays the registry, the one identity that may append to msec.evt.>.
    nc = await nats.connectAs(NatsRole.registry);
    store = new EventStore(nc);
    await store.init();
    ds = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [ServiceEntity, ProjectionCheckpointEntity],
      synchronize: true,
    });
    await ds.initialize();
    runner = new ProjectionRunner(nc, ds, servicesProjection, { ackWaitMs: 2_000 });
  });
  after(async () => {
    await runner.stop();
    await nc.close();
    await ds.destroy();
    await nats.dispose();
  });

  it('event store - appends with a publish id are stored once and acknowledged with their sequence', async () => {
    const e = createEvent('service.created', 'flight', { name: 'Flight.mod_flight' });
    const first = await store.append('registry.service', e);
    const again = await store.append('registry.service', e);
    assert.equal(again.duplicate, true);
    assert.equal(again.seq, first.seq);
    await assert.rejects(store.append('registry service', e), (err: { data?: { field?: string } }) => err.data?.field === 'subject');
    await assert.rejects(
      store.append('registry.service', { ...e, id: '' }),
      (err: { data?: { field?: string } }) => err.data?.field === 'event.id',
    );
  });

  it('projection - applies events with the checkpoint in the same transaction, so redelivery changes nothing', async () => {
    for (let i = 0; i < 5; i++) await store.append('registry.instance', createEvent('instance.added', 'flight', { ip: `10.0.0.${i}` }));
    await store.append('registry.service', createEvent('service.created', 'hotel', { name: 'Hotel.mod_hotel' }));
    await store.append('registry.instance', createEvent('instance.added', 'hotel', { ip: '10.0.1.1' }));
    await store.append('registry.service', createEvent('service.renamed', 'hotel', { name: 'Hotel.mod_rooms' }));
    await store.append('registry.service', createEvent('service.created', 'car', { name: 'Car.mod_car' }));
    await store.append('registry.service', createEvent('service.deleted', 'car', {}));
    await runner.start();
    await runner.waitUntilCaughtUp();
    const state = await snapshot();
    assert.deepEqual(state, [
      { id: 'flight', name: 'Flight.mod_flight', instances: 5 },
      { id: 'hotel', name: 'Hotel.mod_rooms', instances: 1 },
    ]);
    const checkpoint = await runner.checkpoint();
    assert.equal(checkpoint, 11);

    // The consumer lost (a cluster fault): made again after the checkpoint, so nothing is applied twice.
    await runner.stop();
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(BusStreams.events, BusConsumers.projection('registry', 'services'));
    await runner.start();
    await runner.waitUntilCaughtUp();
    assert.deepEqual(await snapshot(), state);
    assert.equal(await runner.checkpoint(), checkpoint);
  });

  it('projection - rebuild empties the read model and replays from sequence 1 to the identical state', async () => {
    await store.append('registry.instance', createEvent('instance.added', 'hotel', { ip: '10.0.1.2' }));
    await runner.waitUntilCaughtUp();
    const before = await snapshot();
    assert.equal(before.find((r) => r.id === 'hotel')?.instances, 2);
    // Corrupt the read model to prove the rebuild does not start from it.
    await ds.getRepository(ServiceEntity).update({ id: 'flight' }, { instances: 99, name: 'wrong' });
    await runner.rebuild();
    assert.deepEqual(await snapshot(), before);
    assert.equal(await runner.checkpoint(), 12);
  });

  for (const kind of ['sqlite', 'mariadb'] as const) {
    it(`projection - a rebuild in one process while another applies live events on one ${kind} database: nothing missed or applied twice`, async () => {
      const maria = kind === 'mariadb' ? await startMariaDb() : undefined;
      const dir = await mkdtemp(join(tmpdir(), `${TEMP_DIR_PREFIX}projection-race-`));
      const open = async () => {
        const source = new DataSource({
          ...(maria
            ? { type: 'mysql' as const, url: maria.url }
            : { type: 'better-sqlite3' as const, database: join(dir, 'shared.sqlite') }),
          entities: [ServiceEntity, ProjectionCheckpointEntity],
          synchronize: true,
        });
        return source.initialize();
      };
      const first = await open();
      const second = await open();
      // A slow apply keeps an event in the live process's hands while the other rebuilds (applied after the rebuild's
      // reset, it would move the checkpoint past events the replay then skips), and makes the replay of a batch outlast
      // the pull that read it.
      const key: Projection<RegistryEvent> = {
        ...servicesProjection,
        name: `race_${kind}`,
        async apply(em, event, meta) {
          await new Promise((r) => setTimeout(r, 25));
          await servicesProjection.apply(em, event, meta);
        },
      };
      const live = new ProjectionRunner(nc, first, key, { ackWaitMs: 2_000 });
      const rebuilding = new ProjectionRunner(nc, second, key, { ackWaitMs: 2_000 });
      try {
        const id = `race-${kind}`;
        await store.append('registry.service', createEvent('service.created', id, { name: id }));
        await live.start();
        await rebuilding.start();
        // Appends go on while one process rebuilds twice and both apply what comes.
        const appends = (async () => {
          for (let i = 0; i < 120; i++) await store.append('registry.instance', createEvent('instance.added', id, { ip: `10.9.0.${i}` }));
        })();
        await new Promise((r) => setTimeout(r, 50));
        const jsm = await jetstreamManager(nc);
        const consumer = BusConsumers.projection('registry', `race_${kind}`);
        const made = (await jsm.consumers.info(BusStreams.events, consumer)).created;
        await rebuilding.rebuild();
        await rebuilding.rebuild();
        await appends;
        // The shared consumer was never deleted, so the live process could not make it again midway from a stale checkpoint.
        assert.equal((await jsm.consumers.info(BusStreams.events, consumer)).created, made);
        await live.waitUntilCaughtUp();
        await rebuilding.waitUntilCaughtUp();
        const row = await first.getRepository(ServiceEntity).findOneBy({ id });
        assert.equal(row?.instances, 120, 'every instance.added applied exactly once');
      } finally {
        await live.stop();
        await rebuilding.stop();
        await first.destroy();
        await second.destroy();
        await maria?.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
