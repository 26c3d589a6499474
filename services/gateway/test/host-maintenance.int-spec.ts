import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import protobuf from 'protobufjs';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, NatsRole, type AgentHeartbeat } from '@msec/contracts';
import { buildPackage, GOOD_SERVER, startRedis, startZooKeeper, type InfraServer } from '@msec/testing';
import { client, closeSharedRuntime, defineService, onClientCall, serve, type RunningService } from '@msec/sdk';
import {
  adminClient,
  eventually,
  startServiceProcess,
  startTestGateway,
  userClient,
  type ApiClient,
  type ServiceProcess,
  type TestGateway,
} from './gateway-harness.js';

const CLI_MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'), 'cli/dist/src/main.js');
const SERVICE = 'Demo.maint';
const root = protobuf.Root.fromJSON({
  nested: {
    dm: {
      nested: {
        Req: { fields: { n: { type: 'uint32', id: 1 } } },
        Reply: { fields: { n: { type: 'uint32', id: 1 } } },
        Maint: { methods: { echo: { requestType: 'Req', responseType: 'Reply' } } },
      },
    },
  },
});
type MaintClient = { echo(request: { n: number }): Promise<{ n?: number }> };
/** Two hosts as their agents announce them; the instances of the test listen on these addresses. */
const HOSTS = [
  { hostId: 'maint-1', ip: '127.0.0.1' },
  { hostId: 'maint-2', ip: '127.0.0.2' },
];

describe('gateway host maintenance', () => {
  let gw: TestGateway;
  let zk: InfraServer;
  let redis: InfraServer;
  let registry: ServiceProcess;
  let deploy: ServiceProcess;
  let admin: ApiClient;
  let dev: ApiClient;
  const agents: NatsConnection[] = [];
  const timers: NodeJS.Timeout[] = [];
  const instances: RunningService[] = [];
  const saved = { ...process.env };
  /** Successful calls per instance address. */
  const served = new Map<string, number>();

  before(async () => {
    [gw, zk, redis] = await Promise.all([startTestGateway(), startZooKeeper(), startRedis()]);
    registry = await startServiceProcess('registry', { ...(await gw.nats.envFor(NatsRole.registry)), MSEC_ZK_CONNECT: zk.url });
    deploy = await startServiceProcess('deploy', {
      ...(await gw.nats.envFor(NatsRole.deploy)),
      MSEC_REDIS_URL: redis.url,
      MSEC_DB_URL: '',
    });
    admin = await adminClient(gw);
    dev = await userClient(gw, admin, 'dora', 'developer');
    // Each host's agent heartbeats as its own identity, as a real agent does.
    for (const host of HOSTS) {
      const nc = await gw.nats.connectAs(NatsRole.agent, host.hostId);
      agents.push(nc);
      const beat = (): void => {
        const heartbeat: AgentHeartbeat = {
          ...host,
          intervalMs: 300,
          startedAt: Date.now(),
          sentAt: Date.now(),
          metrics: {
            cpuPercent: 5,
            load: [0.1, 0.1, 0.1],
            memTotalBytes: 8e9,
            memFreeBytes: 4e9,
            diskTotalBytes: 1e11,
            diskFreeBytes: 5e10,
          },
          instances: [],
        };
        nc.publish(DeploySubjects.agentHeartbeat(host.hostId), JSON.stringify(heartbeat));
      };
      beat();
      timers.push(setInterval(beat, 300));
    }
    await eventually('both hosts up', async () => {
      const r = await admin.call('GET', '/api/v1/hosts');
      return r.body.items?.filter((h: { status: string }) => h.status === 'up').length === 2 ? true : undefined;
    });
    // One instance of the service on each host, announced live and scaled out through the registry.
    Object.assign(process.env, { MSEC_ZK_CONNECT: zk.url, MSEC_NATS_URL: '' });
    await eventually('registry answers', async () => ((await dev.call('GET', '/api/v1/services')).status === 200 ? true : undefined));
    assert.equal((await dev.call('POST', '/api/v1/services', { name: SERVICE })).status, 201);
    for (const host of HOSTS) {
      const running = await serve(defineService(root, 'dm.Maint', { echo: (r: { n: number }) => ({ n: r.n }) } as never), {
        service: SERVICE,
        host: host.ip,
        port: 0,
        handleSignals: false,
        zkConnect: zk.url,
      });
      instances.push(running);
      const out = await dev.call('POST', `/api/v1/services/${SERVICE}/scale-out`, { instances: [{ ip: host.ip, port: running.port }] });
      assert.equal(out.status, 200, JSON.stringify(out.body));
    }
    onClientCall((event) => {
      if (event.ok && event.side === 'client') served.set(event.peer.split(':')[0]!, (served.get(event.peer.split(':')[0]!) ?? 0) + 1);
    });
  });

  after(async () => {
    for (const timer of timers) clearInterval(timer);
    for (const instance of instances) await instance.stop();
    closeSharedRuntime();
    process.env = saved;
    for (const nc of agents) await nc.close();
    await deploy?.stop();
    await registry?.stop();
    await gw?.close();
    await Promise.all([zk?.dispose(), redis?.dispose()]);
  });

  it('host maintenance - offline takes the host out of routing under load with no failed call, keeps it out of releases, and online routes to it again', async () => {
    const maint = await client<MaintClient>(SERVICE, 'dm.Maint', { proto: root });
    let failures = 0;
    let running = true;
    const load = (async () => {
      for (let n = 0; running; n += 1) {
        await maint.echo({ n }).catch(() => (failures += 1));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await eventually('calls reach both hosts', async () =>
      (served.get('127.0.0.2') ?? 0) > 5 && (served.get('127.0.0.1') ?? 0) > 5 ? true : undefined,
    );

    // Only admins take hosts offline; a bad host id names the path; an unknown host is 404.
    assert.equal((await dev.call('POST', '/api/v1/hosts/maint-2/offline', {})).status, 403);
    assert.equal((await admin.call('POST', '/api/v1/hosts/no-such-host/offline', {})).status, 404);
    const bad = await admin.call('POST', '/api/v1/hosts/bad%20host/offline', {});
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'path.hostId');

    const offline = await admin.call('POST', '/api/v1/hosts/maint-2/offline', { reason: 'disk replacement', drainMs: 500 });
    assert.equal(offline.status, 200, JSON.stringify(offline.body));
    assert.equal(offline.body.routingConfirmed, true);
    assert.deepEqual(offline.body.host.offline.by, 'admin');
    // Once it answered, callers route only to the other host.
    const before = served.get('127.0.0.2') ?? 0;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(served.get('127.0.0.2') ?? 0, before, 'no call reached the offline host after the answer');
    const hosts = (await admin.call('GET', '/api/v1/hosts')).body.items as { hostId: string; offline?: { reason: string } }[];
    assert.equal(hosts.find((h) => h.hostId === 'maint-2')?.offline?.reason, 'disk replacement');
    const token = (await admin.call('POST', '/api/v1/tokens', { name: 'maintenance' })).body.token as string;
    const listed = await promisify(execFile)(process.execPath, [CLI_MAIN, 'hosts', '--url', gw.baseUrl], {
      env: { ...process.env, MSEC_TOKEN: token },
    });
    assert.match(listed.stdout, /maint-2\s+127\.0\.0\.2\s+up, offline/);

    // A release to it is refused, naming the host and the way out.
    const pkg = await dev.call('POST', '/api/v1/packages', {
      contentBase64: buildPackage('maint-pkg', '1.0.0', GOOD_SERVER).bytes.toString('base64'),
    });
    assert.equal(pkg.status, 201, JSON.stringify(pkg.body));
    const release = await dev.call('POST', '/api/v1/releases', {
      service: SERVICE,
      packageName: 'maint-pkg',
      packageVersion: '1.0.0',
      hosts: ['maint-2'],
      port: 9999,
    });
    assert.equal(release.status, 400, JSON.stringify(release.body));
    assert.match(
      release.body.error.message,
      /maint-2 is offline for maintenance \(taken offline by admin: disk replacement\); bring it online/,
    );

    // Online through the CLI: the host's instance gets calls again.
    const cli = await promisify(execFile)(process.execPath, [CLI_MAIN, 'hosts', 'online', 'maint-2', '--url', gw.baseUrl], {
      env: { ...process.env, MSEC_TOKEN: token },
    });
    assert.match(cli.stdout, /Host maint-2 is online/);
    const back = served.get('127.0.0.2') ?? 0;
    await eventually('calls reach the host again', async () => ((served.get('127.0.0.2') ?? 0) > back + 5 ? true : undefined), 10_000);
    running = false;
    await load;
    assert.equal(failures, 0, 'no call failed while the host went offline and back');
  });
});
