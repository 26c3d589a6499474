import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, RegistrySubjects, type ReleasePlanView, type ServiceView, NatsRole } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { ZkRouteWriter } from '@msec/nlb';
import { client, closeSharedRuntime, onClientCall } from '@msec/sdk';
import {
  BROKEN_SERVER,
  buildPackage,
  freePort,
  packServiceFolder,
  startNats,
  startRedis,
  startZooKeeper,
  TEMP_DIR_PREFIX,
  zooKeeperIdentities,
  type InfraServer,
  type NatsTestServer,
} from '@msec/testing';
import { AgentHost, DeployProcess, eventually, RegistryProcess, REPO_ROOT, uploadStaged } from './helpers/deploy-harness.js';

/** Three hosts on distinct loopback addresses (network namespaces need root and veth support; the issue allows this fallback). */
const HOSTS = [
  { hostId: 'fl-h1', ip: '127.0.0.21' },
  { hostId: 'fl-h2', ip: '127.0.0.22' },
  { hostId: 'fl-h3', ip: '127.0.0.23' },
];
const FLIGHT_DIR = join(REPO_ROOT, 'examples', 'flight');
const FLIGHT = 'Flight.mod_flight';
const USER = 'User.mod_user';
const BISON = { name: 'bison', password: '123456', departureCity: 'sz', destinationCity: 'xz' };

interface FlightClient {
  queryFlight(request: typeof BISON, options?: { timeoutMs?: number }): Promise<{ errcode: number; errmsg: string; flightsInfo: string }>;
}

describe('deploy - the flight demo released to three hosts', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let zk: InfraServer;
  let nc: NatsConnection;
  let dir: string;
  let deploy: DeployProcess;
  let registry: RegistryProcess;
  const agents: AgentHost[] = [];
  const ports = { [USER]: 0, [FLIGHT]: 0 };
  const okByPeer = new Map<string, number>();
  // ZooKeeper ACLs on: the registry locks the tree, deploy hands each instance its own svc-<Service> identity.
  const zkIds = zooKeeperIdentities();

  const release = async (service: string, packageName: string, packageVersion: string, healthTimeoutMs = 8000) => {
    const plan = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseCreate, {
      service,
      packageName,
      packageVersion,
      port: ports[service as keyof typeof ports],
      hosts: HOSTS.map((h) => h.hostId),
      strategy: { canary: true, batchSize: 2, stabilizeMs: 500, healthTimeoutMs },
    });
    return eventually(
      `plan ${plan.planId} finished`,
      async () => {
        const view = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseGet, { planId: plan.planId });
        return ['succeeded', 'rolled-back', 'failed', 'paused'].includes(view.state) ? view : undefined;
      },
      40_000,
    );
  };

  before(async () => {
    [nats, redis, zk] = await Promise.all([startNats(), startRedis(), startZooKeeper()]);
    nc = await nats.connect();
    dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}deploy-flight-`));
    deploy = new DeployProcess(await nats.envFor(NatsRole.deploy), redis.url, join(dir, 'deploy'), {
      MSEC_ZK_READER_AUTH: zkIds.reader,
      MSEC_ZK_SERVICE_SECRET: zkIds.serviceSecret,
    });
    await deploy.start(nc);
    registry = new RegistryProcess(await nats.envFor(NatsRole.registry), zk.url, join(dir, 'registry'), zkIds.registryEnv);
    await registry.start(nc);
    for (const h of HOSTS)
      agents.push(
        new AgentHost(
          h.hostId,
          h.ip,
          join(dir, h.hostId),
          join(dir, 'deploy', 'keys', 'console.pub'),
          await nats.envFor(NatsRole.agent, h.hostId),
          300,
          zk.url,
        ),
      );
    await Promise.all(agents.map((a) => a.start(nc)));
    ports[USER] = await freePort();
    ports[FLIGHT] = await freePort();
    process.env.MSEC_ZK_CONNECT = zk.url;
    process.env.MSEC_ZK_AUTH = zkIds.reader;
    process.env.MSEC_DATA_DIR = dir;
    onClientCall((event) => {
      if (event.ok) okByPeer.set(event.peer, (okByPeer.get(event.peer) ?? 0) + 1);
    });
  });

  after(async () => {
    closeSharedRuntime();
    await Promise.all(agents.map((a) => a.stop()));
    await registry?.stop();
    await deploy?.stop();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose(), zk?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy - User.mod_user and Flight.mod_flight built from examples/flight run on three hosts and answer by name through the router', async () => {
    const version = JSON.parse(readFileSync(join(FLIGHT_DIR, 'package.json'), 'utf8')) as { version: string };
    for (const [name, entry] of [
      ['flight-user', 'dist/src/user-main.js'],
      ['flight-query', 'dist/src/main.js'],
    ] as const) {
      const built = await packServiceFolder(FLIGHT_DIR, { name, version: version.version, entry }, join(dir, `${name}.tar.gz`));
      await uploadStaged(nc, readFileSync(built.file), built.sha256);
    }
    const user = await release(USER, 'flight-user', version.version);
    assert.equal(user.state, 'succeeded', JSON.stringify(user));
    const flight = await release(FLIGHT, 'flight-query', version.version);
    assert.equal(flight.state, 'succeeded', JSON.stringify(flight));

    // the registry scales out what each release announced
    for (const service of [USER, FLIGHT]) {
      await eventually(`${service} routed on three hosts`, async () => {
        const view = await natsRequest<ServiceView>(nc, RegistrySubjects.serviceShow, { name: service });
        return view.instances.filter((i) => i.enabled && i.live).length === 3 ? true : undefined;
      });
    }
    // The instances announced themselves with the identity deploy handed them: without one, nobody can.
    const anonymous = await ZkRouteWriter.open(zk.url);
    await assert.rejects(anonymous.announceLive(FLIGHT, '10.6.6.6:1'), /NO_AUTH/);
    anonymous.close();
    const proto = join(FLIGHT_DIR, 'proto', 'flight.proto');
    const caller = await client<FlightClient>(FLIGHT, 'flight.flight_service', { proto, idempotent: ['queryFlight'] });
    await eventually('first routed answer', async () => ((await caller.queryFlight(BISON)).errcode === 0 ? true : undefined));
    assert.deepEqual({ ...(await caller.queryFlight(BISON)) }, { errcode: 0, errmsg: 'success', flightsInfo: '{春秋航空;c8835;RMB1230}' });
    assert.equal((await caller.queryFlight({ ...BISON, password: 'wrong' })).errcode, -1);
    okByPeer.clear();
    for (let i = 0; i < 60; i += 1) await caller.queryFlight(BISON);
    for (const h of HOSTS)
      assert.ok((okByPeer.get(`${h.ip}:${ports[FLIGHT]}`) ?? 0) > 0, `no call reached ${h.hostId}: ${JSON.stringify([...okByPeer])}`);
  });

  it('deploy - a broken Flight.mod_flight fails the canary, stops the plan and rolls the host back while calls keep succeeding', async () => {
    const broken = buildPackage('flight-query', '9.9.9-broken', BROKEN_SERVER);
    await uploadStaged(nc, broken.bytes, broken.sha256);
    const proto = join(FLIGHT_DIR, 'proto', 'flight.proto');
    const caller = await client<FlightClient>(FLIGHT, 'flight.flight_service', { proto, idempotent: ['queryFlight'] });
    const results = { ok: 0, failed: 0, errors: new Set<string>() };
    let calling = true;
    const load = (async () => {
      while (calling) {
        try {
          const reply = await caller.queryFlight(BISON, { timeoutMs: 2000 });
          if (reply.errcode === 0) results.ok += 1;
          else results.failed += 1;
        } catch (error) {
          results.failed += 1;
          results.errors.add(error instanceof Error ? error.message : String(error));
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    // The broken build exits at once and fails without waiting; the default health time is for the rollback's old version.
    const plan = await release(FLIGHT, 'flight-query', '9.9.9-broken');
    calling = false;
    await load;
    assert.equal(plan.state, 'rolled-back', JSON.stringify(plan));
    assert.match(plan.error ?? '', /exited \(code 3\) before it accepted connections/);
    assert.deepEqual(
      plan.hosts.map((h) => h.state),
      ['rolled-back', 'pending', 'pending'],
    );
    assert.ok(results.ok > 20, `too few calls to judge: ${results.ok}`);
    assert.equal(results.failed, 0, `calls failed during the broken release: ${[...results.errors].join('; ')}`);
    const hosts = await natsRequest<{ hostId: string; instances: { name: string; packageVersion: string; status: string }[] }[]>(
      nc,
      DeploySubjects.hostsList,
      {},
    );
    for (const h of HOSTS) {
      const instance = hosts.find((x) => x.hostId === h.hostId)?.instances.find((i) => i.name === FLIGHT);
      assert.equal(instance?.packageVersion, '0.1.0', `${h.hostId} runs ${JSON.stringify(instance)}`);
    }
    okByPeer.clear();
    await eventually(
      'the rolled-back canary serves again',
      async () => {
        await caller.queryFlight(BISON);
        return (okByPeer.get(`${HOSTS[0]!.ip}:${ports[FLIGHT]}`) ?? 0) > 0 ? true : undefined;
      },
      30_000,
    );
  });
});
