import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zookeeper from 'node-zookeeper-client';
import { startZooKeeper, type InfraServer } from '@msec/testing';
import { Nlb, RoutePaths, ZkRouteCache, ZkRouteWriter, type NlbError, type RouteInstance } from '../src/index.js';

const conf = (port: number, enabled = true, weight = 1000) => ({ ip: '127.0.0.1', port, weight, enabled });
const key = (port: number): string => `127.0.0.1:${port}`;

/** Waits until the cache's view of a service satisfies a condition (watches are asynchronous). */
async function until(
  cache: ZkRouteCache,
  service: string,
  check: (instances: readonly RouteInstance[]) => boolean,
  ms = 10_000,
): Promise<readonly RouteInstance[]> {
  const current = cache.cached(service);
  if (current !== undefined && check(current)) return current;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cache.off('change', onChange);
      reject(new Error(`routes of ${service} did not reach the expected state: ${JSON.stringify(cache.cached(service))}`));
    }, ms);
    const onChange = (s: string, instances: readonly RouteInstance[]): void => {
      if (s !== service || !check(instances)) return;
      clearTimeout(timer);
      cache.off('change', onChange);
      resolve(instances);
    };
    cache.on('change', onChange);
  });
}

const ports = (instances: readonly RouteInstance[]): number[] => instances.map((i) => i.port).sort((a, b) => a - b);

describe('zk route cache', () => {
  let zk: InfraServer;
  let writer: ZkRouteWriter;
  let dir: string;

  before(async () => {
    zk = await startZooKeeper();
    // Long enough to outlive the ZooKeeper restart below: the writer's session survives it.
    writer = await ZkRouteWriter.open(zk.url, { sessionTimeoutMs: 30_000 });
    dir = mkdtempSync(join(tmpdir(), 'msec-test-nlb-'));
  });

  after(async () => {
    writer.close();
    await zk.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('zk route cache - routes only to configured, enabled and live instances', async () => {
    await writer.createService('Flight.mod_a');
    await writer.putInstance('Flight.mod_a', conf(7001));
    await writer.putInstance('Flight.mod_a', conf(7002, false));
    await writer.putInstance('Flight.mod_a', conf(7003));
    await writer.announceLive('Flight.mod_a', key(7001));
    await writer.announceLive('Flight.mod_a', key(7002));
    const cache = new ZkRouteCache({ connect: zk.url });
    try {
      const routes = await cache.routes('Flight.mod_a');
      assert.deepEqual(ports(routes), [7001, 7002, 7003]);
      assert.equal(routes.find((r) => r.port === 7003)!.live, false);
      const nlb = new Nlb({ routes: cache });
      for (let i = 0; i < 20; i++) assert.equal((await nlb.route('Flight.mod_a')).port, 7001);
    } finally {
      cache.close();
    }
  });

  it('zk route cache - a service without a live folder (heterogeneous) routes on configuration alone', async () => {
    await writer.createService('Db.mysql_main', { requireLive: false });
    await writer.putInstance('Db.mysql_main', { ...conf(3306), protocol: 'mysql' });
    const cache = new ZkRouteCache({ connect: zk.url });
    try {
      const route = await new Nlb({ routes: cache }).route('Db.mysql_main');
      assert.equal(route.port, 3306);
      assert.equal(route.instance.protocol, 'mysql');
    } finally {
      cache.close();
    }
  });

  it('zk route cache - follows instances added, re-weighted, scaled in and out, announced, withdrawn and removed', async () => {
    await writer.createService('Flight.mod_b');
    await writer.putInstance('Flight.mod_b', conf(7101));
    await writer.announceLive('Flight.mod_b', key(7101));
    const cache = new ZkRouteCache({ connect: zk.url });
    try {
      await cache.routes('Flight.mod_b');
      await writer.putInstance('Flight.mod_b', conf(7102, false));
      await until(cache, 'Flight.mod_b', (r) => r.length === 2);
      await writer.setEnabled('Flight.mod_b', key(7102), true);
      await writer.setWeight('Flight.mod_b', key(7102), 5000);
      await until(cache, 'Flight.mod_b', (r) => r.some((i) => i.port === 7102 && i.weight === 5000 && i.enabled && !i.live));
      await writer.announceLive('Flight.mod_b', key(7102));
      await until(cache, 'Flight.mod_b', (r) => r.some((i) => i.port === 7102 && i.live));
      await writer.withdrawLive('Flight.mod_b', key(7102));
      await until(cache, 'Flight.mod_b', (r) => r.some((i) => i.port === 7102 && !i.live));
      await writer.removeInstance('Flight.mod_b', key(7101));
      assert.deepEqual(ports(await until(cache, 'Flight.mod_b', (r) => r.length === 1)), [7102]);
    } finally {
      cache.close();
    }
  });

  it('zk route cache - a live announcement vanishes when its writer session ends', async () => {
    await writer.createService('Flight.mod_eph');
    await writer.putInstance('Flight.mod_eph', conf(7501));
    const owner = await ZkRouteWriter.open(zk.url, { sessionTimeoutMs: 1_000 });
    await owner.announceLive('Flight.mod_eph', key(7501));
    const cache = new ZkRouteCache({ connect: zk.url });
    try {
      assert.equal((await cache.routes('Flight.mod_eph'))[0]?.live, true);
      owner.close();
      await until(cache, 'Flight.mod_eph', (r) => r[0]?.live === false);
    } finally {
      owner.close();
      cache.close();
    }
  });

  it('zk route cache - a service that does not exist yet is empty, then appears when created', async () => {
    const cache = new ZkRouteCache({ connect: zk.url });
    try {
      assert.deepEqual(await cache.routes('Flight.mod_later'), []);
      await assert.rejects(new Nlb({ routes: cache }).route('Flight.mod_later'), { code: 'NLB_NO_ROUTE' });
      await writer.putInstance('Flight.mod_later', conf(7201));
      assert.deepEqual(ports(await until(cache, 'Flight.mod_later', (r) => r.length === 1)), [7201]);
    } finally {
      cache.close();
    }
  });

  it('zk route cache - skips an instance znode with bad data and reports it', async () => {
    await writer.putInstance('Flight.mod_bad', conf(7301));
    const raw = zookeeper.createClient(zk.url);
    await new Promise<void>((resolve) => {
      raw.once('connected', () => resolve());
      raw.connect();
    });
    await new Promise<void>((resolve, reject) =>
      raw.create(`${RoutePaths.instances('Flight.mod_bad')}/junk`, Buffer.from('not json'), (e) => (e ? reject(e) : resolve())),
    );
    raw.close();
    const bad: NlbError[] = [];
    const cache = new ZkRouteCache({ connect: zk.url, onInvalidRoute: (e) => bad.push(e) });
    try {
      assert.deepEqual(ports(await cache.routes('Flight.mod_bad')), [7301]);
      assert.equal(bad[0]?.code, 'NLB_INVALID_ROUTE');
      assert.match(bad[0]!.message, /junk/);
    } finally {
      cache.close();
    }
  });

  it('zk route cache - keeps routing while ZooKeeper is down, a restarted caller routes from the snapshot, and changes are caught up', async () => {
    await writer.putInstance('Flight.mod_c', conf(7401));
    const snapshotFile = join(dir, 'routes.json');
    const cache = new ZkRouteCache({ connect: zk.url, snapshotFile, sessionTimeoutMs: 4_000 });
    try {
      await cache.routes('Flight.mod_c');
      await zk.kill();
      const nlb = new Nlb({ routes: cache });
      for (let i = 0; i < 10; i++) assert.equal((await nlb.route('Flight.mod_c')).port, 7401);

      const restarted = new ZkRouteCache({ connect: zk.url, snapshotFile, loadTimeoutMs: 300 });
      assert.deepEqual(ports(await restarted.routes('Flight.mod_c')), [7401]);
      await assert.rejects(restarted.routes('Flight.mod_never'), { code: 'NLB_ZOOKEEPER_UNAVAILABLE', retryable: true });
      restarted.close();

      await zk.start();
      await writer.putInstance('Flight.mod_c', conf(7402));
      assert.deepEqual(ports(await until(cache, 'Flight.mod_c', (r) => r.length === 2, 20_000)), [7401, 7402]);
    } finally {
      cache.close();
    }
  });
});
