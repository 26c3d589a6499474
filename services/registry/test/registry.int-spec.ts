import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { type NatsConnection } from '@nats-io/transport-node';
import zookeeper from 'node-zookeeper-client';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  Component,
  DeployEventSubjects,
  DeployEventType,
  DeployStreams,
  RegistrySubjects,
  Subjects,
  type ServiceView,
  type TrafficPolicyView,
  NatsRole,
} from '@msec/contracts';
import { MsecRpcErrorFilter, natsRequest, natsConnectionOptions } from '@msec/platform';
import { RoutePaths, authenticate, decodeRouteInstance, parseZkAuth } from '@msec/nlb';
import { startNats, startZooKeeper, TEMP_DIR_PREFIX, zooKeeperIdentities, type InfraServer, type NatsTestServer } from '@msec/testing';
import { EventStore, createEvent } from '@msec/bus';
import { RegistryModule } from '../src/registry.module.js';
import { ServicesDomain } from '../src/services/services.domain.js';
import { loadRegistryConfig } from '../src/config/registry.config.js';

interface Change {
  service: ServiceView | null;
  routesWritten: boolean;
}

// The registry runs with ACLs on: reads authenticate as the shared reader.
const identities = zooKeeperIdentities();

function zkRead(connect: string, path: string): Promise<{ children: string[]; data: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(connect);
    authenticate(client, parseZkAuth(identities.reader));
    // A client left connecting would keep this test process alive after the servers are gone.
    const giveUp = setTimeout(() => {
      client.close();
      reject(new Error(`no ZooKeeper session at ${connect} within 10 s`));
    }, 10_000);
    client.once('connected', () => {
      clearTimeout(giveUp);
      client.getChildren(path, (error, children) => {
        if (error) {
          client.close();
          return String(error).includes('NO_NODE') ? resolve({ children: [], data: [] }) : reject(error);
        }
        let left = children.length;
        const data: Record<string, unknown>[] = [];
        if (left === 0) {
          client.close();
          resolve({ children, data });
        }
        for (const child of children.sort()) {
          client.getData(`${path}/${child}`, (e, buffer) => {
            if (!e) data.push({ key: child, ...decodeRouteInstance(`${path}/${child}`, buffer) });
            left -= 1;
            if (left === 0) {
              client.close();
              resolve({ children, data });
            }
          });
        }
      });
    });
    client.connect();
  });
}

/** The data of one znode as JSON, or undefined when it does not exist. */
function zkData(connect: string, path: string): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(connect);
    authenticate(client, parseZkAuth(identities.reader));
    client.once('connected', () =>
      client.getData(path, (error, data) => {
        client.close();
        if (error) return String(error).includes('NO_NODE') ? resolve(undefined) : reject(error);
        resolve(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      }),
    );
    client.connect();
  });
}

describe('registry', () => {
  let nats: NatsTestServer;
  let zk: InfraServer;
  let app: INestMicroservice;
  let nc: NatsConnection;
  let dataDir: string;

  const call = <T>(subject: string, body: unknown): Promise<T> => natsRequest<T>(nc, subject, body, 10_000);

  before(async () => {
    [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
    dataDir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}registry-`));
    // The deploy service owns this stream; created here as it would be, so the registry's listener attaches at once.
    const setup = await nats.connect();
    await (await jetstreamManager(setup)).streams.add({ name: DeployStreams.events, subjects: [...DeployStreams.eventSubjects] });
    await setup.close();
    app = await startRegistry();
    nc = await nats.connect();
    await registryAnswers();
  });

  /** A registry process on the shared database (dataDir). */
  const startRegistry = async (): Promise<INestMicroservice> => {
    const config = loadRegistryConfig({
      ...(await nats.envFor(NatsRole.registry)),
      MSEC_ZK_CONNECT: zk.url,
      MSEC_DATA_DIR: dataDir,
      ...identities.registryEnv,
    });
    const started = await NestFactory.createMicroservice<MicroserviceOptions>(RegistryModule.forConfig(config), {
      transport: Transport.NATS,
      options: { ...natsConnectionOptions(config), queue: 'msec-registry' },
      logger: ['error'],
    });
    started.useGlobalFilters(new MsecRpcErrorFilter());
    await started.listen();
    return started;
  };

  /** listen() can resolve before NATS has the subscriptions: wait until the registry answers. */
  const registryAnswers = async (): Promise<void> => {
    for (let i = 0; i < 100; i += 1) {
      if (
        await natsRequest(nc, Subjects.health(Component.registry), {}, 1000).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  after(async () => {
    await nc?.close();
    await app?.close();
    await Promise.all([nats?.dispose(), zk?.dispose()]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registry - creates a service, scales it out into ZooKeeper routes, and scales it in', async () => {
    const created = await call<Change>(RegistrySubjects.serviceCreate, { name: 'Flight.mod_flight', memo: 'flight query' });
    assert.equal(created.service?.name, 'Flight.mod_flight');
    assert.equal(created.routesWritten, true);

    const out = await call<Change>(RegistrySubjects.scaleOut, {
      service: 'Flight.mod_flight',
      instances: ['127.0.0.1:8090', { ip: '127.0.0.1', port: 8091, weight: 2000 }],
    });
    assert.deepEqual(
      out.service?.instances.map((i) => [i.ip, i.port, i.weight, i.enabled]),
      [
        ['127.0.0.1', 8090, 1000, true],
        ['127.0.0.1', 8091, 2000, true],
      ],
    );
    const routes = await zkRead(zk.url, RoutePaths.instances('Flight.mod_flight'));
    assert.deepEqual(routes.children.sort(), ['127.0.0.1:8090', '127.0.0.1:8091']);
    assert.ok(routes.data.every((r) => r.enabled === true));

    await call<Change>(RegistrySubjects.scaleIn, { service: 'Flight.mod_flight', instances: ['127.0.0.1:8091'] });
    const after = await zkRead(zk.url, RoutePaths.instances('Flight.mod_flight'));
    assert.deepEqual(
      after.data.map((r) => [r.key, r.enabled]),
      [
        ['127.0.0.1:8090', true],
        ['127.0.0.1:8091', false],
      ],
    );
  });

  it('registry - bad input and broken rules are refused with the field named, and nothing changes', async () => {
    const before = await call<ServiceView[]>(RegistrySubjects.serviceList, {});
    const refusals: [string, unknown, RegExp][] = [
      [RegistrySubjects.serviceCreate, { name: 'flight' }, /^name: must look like First\.Second/],
      [RegistrySubjects.serviceCreate, { name: '1Flight.mod' }, /^name: /],
      [RegistrySubjects.serviceCreate, { name: 'Db.mysql', kind: 'heterogeneous' }, /^protocol: is required for a heterogeneous service/],
      [RegistrySubjects.serviceCreate, { name: 'Flight.mod_flight' }, /already exists/],
      [
        RegistrySubjects.scaleOut,
        { service: 'Flight.mod_flight', instances: ['127.0.0.1:70000'] },
        /^instances\[0\]\.port: must be a whole number from 1 to 65535/,
      ],
      [
        RegistrySubjects.scaleOut,
        { service: 'Flight.mod_flight', instances: ['300.1.1.1:80'] },
        /^instances\[0\]\.ip: must be an IPv4 or IPv6 address/,
      ],
      [RegistrySubjects.scaleOut, { service: 'Flight.mod_flight', instances: ['127.0.0.1:9000', '127.0.0.1:9000'] }, /listed twice/],
      [RegistrySubjects.instanceAdd, { service: 'Flight.mod_flight', instances: ['127.0.0.1:8090'] }, /already an instance/],
      [
        RegistrySubjects.instanceRemove,
        { service: 'Flight.mod_flight', instances: ['127.0.0.1:8090'] },
        /is serving; scale it in before removing it/,
      ],
      [RegistrySubjects.serviceDelete, { name: 'Flight.mod_flight' }, /still has 2 instance\(s\)/],
      [RegistrySubjects.scaleOut, { service: 'Nope.missing', instances: ['127.0.0.1:1'] }, /service Nope\.missing does not exist/],
      [
        RegistrySubjects.instanceWeight,
        { service: 'Flight.mod_flight', ip: '127.0.0.1', port: 8090, weight: 5 },
        /weight: must be a whole number from 100 to 10000/,
      ],
    ];
    for (const [subject, body, message] of refusals) {
      await assert.rejects(call(subject, body), (error: Error) => {
        assert.match(error.message, message, `${subject} ${JSON.stringify(body)}`);
        return true;
      });
    }
    assert.deepEqual(await call<ServiceView[]>(RegistrySubjects.serviceList, {}), before);
  });

  it('registry - heterogeneous endpoints are routed by name without announcing themselves', async () => {
    await call(RegistrySubjects.serviceCreate, { name: 'Db.orders', kind: 'heterogeneous', protocol: 'mysql' });
    const out = await call<Change>(RegistrySubjects.scaleOut, { service: 'Db.orders', instances: ['127.0.0.1:3306'] });
    assert.deepEqual(out.service?.instances, [{ ip: '127.0.0.1', port: 3306, weight: 1000, enabled: true, live: true, tags: [] }]);
    const routes = await zkRead(zk.url, RoutePaths.instances('Db.orders'));
    assert.equal(routes.data[0]?.protocol, 'mysql');
  });

  it('registry - rate limits and breaker settings are events, kept with who set them and published to the traffic znode', async () => {
    const service = 'Gov.mod_traffic';
    await call<Change>(RegistrySubjects.serviceCreate, { name: service });
    const set = await call<TrafficPolicyView>(RegistrySubjects.limitSet, { service, method: 'gov.Traffic.Hit', qps: 50, by: 'alice' });
    assert.deepEqual(set.limits, [{ method: 'gov.Traffic.Hit', qps: 50 }]);
    assert.equal(set.updatedBy, 'alice');
    const breaker = await call<TrafficPolicyView>(RegistrySubjects.breakerSet, { service, settings: { errorRatio: 0.5 }, by: 'bob' });
    assert.ok(breaker.version > set.version, 'the version rises with each change');
    assert.deepEqual(await zkData(zk.url, RoutePaths.traffic(service)), {
      version: breaker.version,
      limits: [{ method: 'gov.Traffic.Hit', qps: 50 }],
      breaker: { errorRatio: 0.5 },
    });
    await assert.rejects(
      call(RegistrySubjects.limitSet, { service, method: 'Hit', qps: 5 }),
      (e: { data?: { field?: string } }) => e.data?.field === 'method',
    );
    await assert.rejects(
      call(RegistrySubjects.limitSet, { service, method: 'gov.Traffic.Hit', qps: -1 }),
      (e: { data?: { field?: string } }) => e.data?.field === 'qps',
    );
    await assert.rejects(
      call(RegistrySubjects.breakerSet, { service, settings: { errorRatio: 3 } }),
      (e: { data?: { field?: string } }) => e.data?.field === 'settings.errorRatio',
    );
    const cluster = await call<TrafficPolicyView>(RegistrySubjects.limitSet, {
      service,
      method: '*',
      qps: 900,
      cluster: true,
      by: 'alice',
    });
    assert.deepEqual(cluster.limits[0], { method: '*', qps: 900, cluster: true });
    await assert.rejects(
      call(RegistrySubjects.limitSet, { service, method: '*', qps: 9, cluster: 'yes' }),
      (e: { data?: { field?: string } }) => e.data?.field === 'cluster',
    );
    await call(RegistrySubjects.limitRemove, { service, method: '*', by: 'alice' });
    await call(RegistrySubjects.limitRemove, { service, method: 'gov.Traffic.Hit', by: 'alice' });
    await call(RegistrySubjects.breakerSet, { service, settings: {}, by: 'alice' });
    const shown = await call<TrafficPolicyView>(RegistrySubjects.trafficShow, { service });
    assert.deepEqual([shown.limits, shown.breaker, shown.updatedBy], [[], {}, 'alice']);
    assert.equal(await zkData(zk.url, RoutePaths.traffic(service)), undefined, 'an empty policy leaves no znode: normal behaviour');
    await call<Change>(RegistrySubjects.serviceDelete, { name: service });
  });

  it('registry - routing rules and instance tags are events, kept with who set them and published to the traffic and instance znodes', async () => {
    const service = 'Gray.mod_user';
    const field = (e: unknown): string | undefined => (e as { data?: { field?: string } }).data?.field;
    await call<Change>(RegistrySubjects.serviceCreate, { name: service });
    await call<Change>(RegistrySubjects.scaleOut, { service, instances: ['127.0.0.1:9101', '127.0.0.1:9102'] });
    const tagged = await call<Change>(RegistrySubjects.instanceTags, {
      service,
      ip: '127.0.0.1',
      port: 9102,
      tags: ['v2', 'canary', 'v2'],
      by: 'alice',
    });
    assert.deepEqual(
      tagged.service?.instances.map((i) => i.tags),
      [[], ['canary', 'v2']],
    );
    assert.deepEqual((await zkData(zk.url, RoutePaths.instance(service, '127.0.0.1:9102')))?.tags, ['canary', 'v2']);

    const first = await call<TrafficPolicyView>(RegistrySubjects.routeSet, {
      service,
      rule: { id: 'beta', tag: 'v2', field: 'name', values: ['bison'] },
      by: 'alice',
    });
    assert.deepEqual(first.routes, [{ id: 'beta', tag: 'v2', order: 100, field: 'name', values: ['bison'] }]);
    const second = await call<TrafficPolicyView>(RegistrySubjects.routeSet, {
      service,
      rule: { id: 'some', tag: 'canary', order: 5, percent: 10 },
      by: 'bob',
    });
    assert.deepEqual(
      second.routes.map((r) => r.id),
      ['some', 'beta'],
      'rules are kept in the order callers try them',
    );
    assert.equal(second.updatedBy, 'bob');
    assert.deepEqual(await zkData(zk.url, RoutePaths.traffic(service)), { version: second.version, limits: [], routes: second.routes });

    await assert.rejects(call(RegistrySubjects.routeSet, { service, rule: { id: 'x', tag: 'v2' } }), (e) => field(e) === 'rule.caller');
    await assert.rejects(
      call(RegistrySubjects.routeSet, { service, rule: { id: 'x', tag: 'v2', values: ['a'] } }),
      (e) => field(e) === 'rule.values',
    );
    await assert.rejects(
      call(RegistrySubjects.routeSet, { service, rule: { id: 'x', tag: 'v2', percent: 140 } }),
      (e) => field(e) === 'rule.percent',
    );
    await assert.rejects(
      call(RegistrySubjects.instanceTags, { service, ip: '127.0.0.1', port: 9101, tags: ['no spaces'] }),
      (e) => field(e) === 'tags.0',
    );
    await assert.rejects(call(RegistrySubjects.instanceTags, { service, ip: '127.0.0.1', port: 9999, tags: ['v2'] }), {
      code: 'REGISTRY_INSTANCE_NOT_FOUND',
    });
    const unchanged = await call<TrafficPolicyView>(RegistrySubjects.trafficShow, { service });
    assert.equal(unchanged.version, second.version, 'refused changes change nothing');

    await call(RegistrySubjects.routeRemove, { service, id: 'beta', by: 'alice' });
    const none = await call<TrafficPolicyView>(RegistrySubjects.routeRemove, { service, id: 'some', by: 'alice' });
    assert.deepEqual(none.routes, []);
    assert.equal(await zkData(zk.url, RoutePaths.traffic(service)), undefined, 'no rules, no limits: no traffic znode');
    await call<Change>(RegistrySubjects.instanceTags, { service, ip: '127.0.0.1', port: 9102, tags: [], by: 'alice' });
    assert.equal((await zkData(zk.url, RoutePaths.instance(service, '127.0.0.1:9102')))?.tags, undefined, 'untagged');

    await call<Change>(RegistrySubjects.scaleIn, { service, instances: ['127.0.0.1:9101', '127.0.0.1:9102'] });
    await call<Change>(RegistrySubjects.instanceRemove, { service, instances: ['127.0.0.1:9101', '127.0.0.1:9102'] });
    await call<Change>(RegistrySubjects.serviceDelete, { name: service });
  });

  it('registry - rebuild replays the events into an empty read model with the same state', async () => {
    await call(RegistrySubjects.instanceWeight, { service: 'Flight.mod_flight', ip: '127.0.0.1', port: 8090, weight: 3000 });
    const before = await call<ServiceView[]>(RegistrySubjects.serviceList, {});
    const counts = await call<{ services: number; instances: number }>(RegistrySubjects.rebuild, {});
    assert.deepEqual(counts, { services: 2, instances: 3 });
    assert.deepEqual(await call<ServiceView[]>(RegistrySubjects.serviceList, {}), before);
  });

  it('registry - changes made while ZooKeeper is down reach it once it is back', async () => {
    await zk.stop();
    const change = await call<Change>(RegistrySubjects.scaleOut, { service: 'Flight.mod_flight', instances: ['127.0.0.1:8092'] });
    assert.equal(change.routesWritten, false);
    assert.equal(change.service?.instances.find((i) => i.port === 8092)?.enabled, true);
    await zk.start();
    let routes: string[] = [];
    for (let i = 0; i < 80 && !routes.includes('127.0.0.1:8092'); i += 1) {
      await call(RegistrySubjects.serviceShow, { name: 'Flight.mod_flight' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      // A later change also syncs the service; a no-op weight change forces a pass without altering state.
      await call(RegistrySubjects.instanceWeight, { service: 'Flight.mod_flight', ip: '127.0.0.1', port: 8092, weight: 1000 }).catch(
        () => undefined,
      );
      routes = (await zkRead(zk.url, RoutePaths.instances('Flight.mod_flight'))).children;
    }
    assert.ok(routes.includes('127.0.0.1:8092'), `routes after ZooKeeper came back: ${routes.join(', ')}`);
  });

  it('registry - a release that succeeded while the registry was down scales its instances out when it returns', async () => {
    await app.close();
    // Only deploy may append its release events.
    const deploy = await nats.connectAs(NatsRole.deploy);
    const store = new EventStore(deploy);
    await store.append(
      DeployEventSubjects.release('plan-1'),
      createEvent(DeployEventType.releaseSucceeded, 'plan-1', {
        planId: 'plan-1',
        service: 'Shop.mod_cart',
        port: 9100,
        packageVersion: '1.0.0',
        hosts: [
          { hostId: 'h1', ip: '127.0.0.11' },
          { hostId: 'h2', ip: '127.0.0.12' },
        ],
      }),
    );
    await deploy.close();
    app = await startRegistry();
    await registryAnswers();
    let view: ServiceView | undefined;
    // Each instance is added, then enabled, by separate events: wait until both are enabled (or give up and show what is there).
    const enabledCount = (): number => view?.instances.filter((i) => i.enabled).length ?? 0;
    for (let i = 0; i < 50 && enabledCount() < 2; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      view = await call<ServiceView>(RegistrySubjects.serviceShow, { name: 'Shop.mod_cart' }).catch(() => undefined);
    }
    assert.deepEqual(
      view?.instances.map((i) => [i.ip, i.port, i.enabled]),
      [
        ['127.0.0.11', 9100, true],
        ['127.0.0.12', 9100, true],
      ],
    );
  });

  it('registry - two registry processes deciding the same creations at once: each service is created once, the other is refused', async () => {
    const second = await startRegistry();
    try {
      // both warm (database, ZooKeeper session) so their decisions overlap
      await Promise.all([app, second].map((instance, i) => instance.get(ServicesDomain).createService({ name: `Warm.mod_${i}` })));
      const names = ['Race.mod_a', 'Race.mod_b', 'Race.mod_c', 'Race.mod_d', 'Race.mod_e', 'Race.mod_f'];
      const outcomes = await Promise.all(
        names.flatMap((name) =>
          [app, second].map((instance) =>
            instance
              .get(ServicesDomain)
              .createService({ name, memo: 'race' })
              .then(
                () => 'created',
                (error: { code?: string }) => error.code ?? String(error),
              ),
          ),
        ),
      );
      for (let i = 0; i < names.length; i += 1)
        assert.deepEqual([outcomes[2 * i], outcomes[2 * i + 1]].sort(), ['REGISTRY_SERVICE_EXISTS', 'created'], names[i]);
      const created = await natsRequest<ServiceView[]>(nc, RegistrySubjects.serviceList, {}, 10_000);
      assert.deepEqual(
        created.filter((s) => s.name.startsWith('Race.')).map((s) => s.name),
        names,
      );
    } finally {
      await second.close();
    }
  });
});
