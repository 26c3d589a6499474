import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import zookeeper from 'node-zookeeper-client';
import { Component, DeployStreams, RegistrySubjects, Subjects, NatsRole } from '@msec/contracts';
import { MsecRpcErrorFilter, natsRequest, natsConnectionOptions } from '@msec/platform';
import {
  RoutePaths,
  SERVICES_ROOT,
  ZkRouteCache,
  ZkRouteWriter,
  authenticate,
  parseZkAuth,
  serviceIdentity,
  type ZkIdentity,
} from '@msec/nlb';
import { startNats, startZooKeeper, TEMP_DIR_PREFIX, zooKeeperIdentities, type InfraServer, type NatsTestServer } from '@msec/testing';
import { RegistryModule } from '../src/registry.module.js';
import { loadRegistryConfig } from '../src/config/registry.config.js';
import { RouteSync } from '../src/routes/route-sync.js';

/** A raw client presenting `auth` (none: a world client). */
async function client(connectString: string, auth: readonly ZkIdentity[] = []): Promise<zookeeper.Client> {
  const c = zookeeper.createClient(connectString, { sessionTimeout: 5_000, retries: 0 });
  authenticate(c, auth);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ZooKeeper session')), 10_000);
    c.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    c.connect();
  });
  return c;
}

/** The name of the ZooKeeper error a call ends with, or 'OK'. */
function outcome(run: (done: (error: unknown) => void) => void): Promise<string> {
  return new Promise((resolve) =>
    run((error) => resolve(error instanceof zookeeper.Exception ? error.getName() : error ? String(error) : 'OK')),
  );
}

const create = (c: zookeeper.Client, path: string, mode = zookeeper.CreateMode.PERSISTENT): Promise<string> =>
  outcome((done) => c.create(path, Buffer.alloc(0), mode, (e) => done(e)));
const remove = (c: zookeeper.Client, path: string): Promise<string> => outcome((done) => c.remove(path, -1, (e) => done(e)));
const list = (c: zookeeper.Client, path: string): Promise<string> => outcome((done) => c.getChildren(path, (e) => done(e)));
const read = (c: zookeeper.Client, path: string): Promise<string> => outcome((done) => c.getData(path, (e) => done(e)));

describe('registry ZooKeeper ACLs', () => {
  const ids = zooKeeperIdentities();
  const reader = parseZkAuth(ids.reader);
  let nats: NatsTestServer;
  let zk: InfraServer;
  let app: INestMicroservice | undefined;
  let nc: NatsConnection;
  let dataDir: string;
  const clients: zookeeper.Client[] = [];
  const open = async (auth: readonly ZkIdentity[] = []): Promise<zookeeper.Client> => {
    const c = await client(zk.url, auth);
    clients.push(c);
    return c;
  };

  const startRegistry = async (): Promise<void> => {
    const config = loadRegistryConfig({
      ...(await nats.envFor(NatsRole.registry)),
      MSEC_ZK_CONNECT: zk.url,
      MSEC_DATA_DIR: dataDir,
      ...ids.registryEnv,
    });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(RegistryModule.forConfig(config), {
      transport: Transport.NATS,
      options: { ...natsConnectionOptions(config), queue: 'msec-registry' },
      logger: ['error'],
    });
    app.useGlobalFilters(new MsecRpcErrorFilter());
    await app.listen();
    for (let i = 0; i < 100; i += 1) {
      const up = await natsRequest(nc, Subjects.health(Component.registry), {}, 1000).then(
        () => true,
        () => false,
      );
      if (up) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  before(async () => {
    [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
    dataDir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}registry-acl-`));
    nc = await nats.connect();
    await (await jetstreamManager(nc)).streams.add({ name: DeployStreams.events, subjects: [...DeployStreams.eventSubjects] });
  });

  after(async () => {
    for (const c of clients) c.close();
    await nc?.close();
    await app?.close();
    await Promise.all([nats?.dispose(), zk?.dispose()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registry ZooKeeper ACLs - a tree left open by an older version is locked at registry start', async () => {
    // Written with no identity and no ACL policy: every node is world-writable, as before ACLs.
    const old = await ZkRouteWriter.open(zk.url);
    await old.createService('Old.mod_open');
    await old.putInstance('Old.mod_open', { ip: '127.0.0.1', port: 7001, weight: 1000, enabled: true });
    old.close();
    const world = await open();
    assert.equal(await list(world, RoutePaths.instances('Old.mod_open')), 'OK');

    await startRegistry();
    let listed = 'OK';
    for (let i = 0; i < 100 && listed === 'OK'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      listed = await list(world, RoutePaths.instances('Old.mod_open'));
    }
    assert.equal(listed, 'NO_AUTH', 'the open tree was not locked');
    assert.equal(await read(world, RoutePaths.instance('Old.mod_open', '127.0.0.1:7001')), 'NO_AUTH');
    assert.equal(await create(world, RoutePaths.instance('Old.mod_open', '10.0.0.66:80')), 'NO_AUTH');
    // The reader still sees the routes.
    assert.equal(await list(await open(reader), RoutePaths.instances('Old.mod_open')), 'OK');
  });

  it('registry ZooKeeper ACLs - a registry whose secrets were replaced says the tree is locked by other identities', async () => {
    const warnings: string[] = [];
    const other = zooKeeperIdentities();
    const config = loadRegistryConfig({
      ...(await nats.envFor(NatsRole.registry)),
      MSEC_ZK_CONNECT: zk.url,
      MSEC_DATA_DIR: mkdtempSync(join(dataDir, 'other-')),
      ...other.registryEnv,
    });
    const quiet = (): void => undefined;
    const second = await NestFactory.createMicroservice<MicroserviceOptions>(RegistryModule.forConfig(config), {
      transport: Transport.NATS,
      options: { ...natsConnectionOptions(config), queue: 'msec-registry-other' },
      logger: { log: quiet, error: quiet, debug: quiet, verbose: quiet, warn: (message: unknown) => void warnings.push(String(message)) },
    });
    try {
      await second.init();
      assert.equal(await second.get(RouteSync).syncAll(), false);
      assert.ok(
        warnings.some((w) => w.includes('locked with other identities than zkAuth') && w.includes('Rotating')),
        warnings.join('\n'),
      );
    } finally {
      await second.close();
    }
  });

  it('registry ZooKeeper ACLs - an unauthenticated client can read, create and delete nothing under the root', async () => {
    await natsRequest(nc, RegistrySubjects.serviceCreate, { name: 'Flight.mod_flight' }, 10_000);
    await natsRequest(nc, RegistrySubjects.scaleOut, { service: 'Flight.mod_flight', instances: ['127.0.0.1:8090'] }, 10_000);
    const world = await open();
    const instance = RoutePaths.instance('Flight.mod_flight', '127.0.0.1:8090');
    assert.equal(await list(world, SERVICES_ROOT), 'NO_AUTH');
    assert.equal(await list(world, '/msec'), 'NO_AUTH');
    assert.equal(await read(world, instance), 'NO_AUTH');
    assert.equal(await create(world, `${SERVICES_ROOT}/Evil.mod_evil`), 'NO_AUTH');
    assert.equal(await create(world, RoutePaths.instance('Flight.mod_flight', '10.6.6.6:80')), 'NO_AUTH');
    assert.equal(
      await create(world, RoutePaths.liveInstance('Flight.mod_flight', '10.6.6.6:80'), zookeeper.CreateMode.EPHEMERAL),
      'NO_AUTH',
    );
    assert.equal(await remove(world, instance), 'NO_AUTH');
    // A client that only knows the reader password reads but cannot change anything either.
    const readOnly = await open(reader);
    assert.equal(await read(readOnly, instance), 'OK');
    assert.equal(await create(readOnly, RoutePaths.instance('Flight.mod_flight', '10.6.6.6:80')), 'NO_AUTH');
    assert.equal(await remove(readOnly, instance), 'NO_AUTH');
  });

  it('registry ZooKeeper ACLs - an instance started before the registry has its service announces itself once it does', async () => {
    // A release starts instances first; the registry creates the service when the release finishes.
    const late = serviceIdentity(ids.serviceSecret, 'Late.mod_late');
    const writer = await ZkRouteWriter.open(zk.url, { auth: [late, ...reader] });
    try {
      await writer.announceLive('Late.mod_late', '127.0.0.1:9300');
      const asReader = await open(reader);
      assert.equal(await list(asReader, RoutePaths.live('Late.mod_late')), 'NO_NODE');
      await natsRequest(nc, RegistrySubjects.serviceCreate, { name: 'Late.mod_late' }, 10_000);
      const liveNow = (): Promise<string[]> =>
        new Promise((resolve) => asReader.getChildren(RoutePaths.live('Late.mod_late'), (e, children) => resolve(e ? [] : children)));
      let live: string[] = [];
      for (let i = 0; i < 50 && live.length === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        live = await liveNow();
      }
      assert.deepEqual(live, ['127.0.0.1:9300']);
      // Its node carries the folder's ACL: the world cannot read or remove it.
      assert.equal(await read(await open(), RoutePaths.liveInstance('Late.mod_late', '127.0.0.1:9300')), 'NO_AUTH');
    } finally {
      writer.close();
    }
  });

  it('registry ZooKeeper ACLs - a business instance announces itself and touches no other service', async () => {
    await natsRequest(nc, RegistrySubjects.serviceCreate, { name: 'Shop.mod_cart' }, 10_000);
    const flight = serviceIdentity(ids.serviceSecret, 'Flight.mod_flight');
    // The SDK's writer, as a Flight instance holds it: its own identity plus the reader.
    const writer = await ZkRouteWriter.open(zk.url, { auth: [flight, ...reader] });
    await writer.announceLive('Flight.mod_flight', '127.0.0.1:8090');
    const cache = new ZkRouteCache({ connect: zk.url, auth: reader });
    try {
      const routes = await cache.routes('Flight.mod_flight');
      assert.deepEqual(
        routes.map((r) => [r.port, r.live]),
        [[8090, true]],
      );
      await assert.rejects(writer.announceLive('Shop.mod_cart', '127.0.0.1:8090'), /NO_AUTH/);
      const asFlight = await open([flight]);
      assert.equal(await create(asFlight, RoutePaths.instance('Flight.mod_flight', '10.6.6.6:80')), 'NO_AUTH');
      assert.equal(
        await create(asFlight, RoutePaths.liveInstance('Shop.mod_cart', '10.6.6.6:80'), zookeeper.CreateMode.EPHEMERAL),
        'NO_AUTH',
      );
      assert.equal(await remove(asFlight, RoutePaths.instance('Flight.mod_flight', '127.0.0.1:8090')), 'NO_AUTH');
      // Its own live node it may withdraw.
      await writer.withdrawLive('Flight.mod_flight', '127.0.0.1:8090');
      assert.equal(await list(await open(reader), RoutePaths.live('Flight.mod_flight')), 'OK');
    } finally {
      cache.close();
      writer.close();
    }
  });
});
