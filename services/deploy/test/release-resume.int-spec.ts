import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import {
  DeploySubjects,
  RegistrySubjects,
  type ReleasePlanView,
  type ReleaseProgressEvent,
  type ServiceView,
  NatsRole,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import {
  buildPackage,
  freePort,
  GOOD_SERVER,
  startNats,
  startRedis,
  startZooKeeper,
  zooKeeperIdentities,
  type InfraServer,
  type NatsTestServer,
} from '@msec/testing';
import { AgentHost, DeployProcess, eventually, RegistryProcess } from './helpers/deploy-harness.js';

const HOSTS = [
  { hostId: 'res-h1', ip: '127.0.0.21' },
  { hostId: 'res-h2', ip: '127.0.0.22' },
  { hostId: 'res-h3', ip: '127.0.0.23' },
];

describe('deploy release resume', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let zk: InfraServer;
  let registry: RegistryProcess;
  let nc: NatsConnection;
  let dir: string;
  let deploy: DeployProcess;
  const agents: AgentHost[] = [];
  /** The port the first release put Demo.echo on; the second release keeps it. */
  let releasedPort = 0;

  /** Uploads echo-svc at `version`. */
  const upload = async (version: string): Promise<void> => {
    const pkg = buildPackage('echo-svc', version, GOOD_SERVER);
    await natsRequest(nc, DeploySubjects.packagesUpload, { contentBase64: pkg.bytes.toString('base64'), sha256: pkg.sha256 });
  };
  /** Resolves when a release's progress first shows `hostId` in `hostState`. */
  const hostReaches = (hostId: string, hostState: string): Promise<void> =>
    new Promise<void>((resolve) => {
      const sub = nc.subscribe(DeploySubjects.releaseProgress, {
        callback: (_e, m) => {
          const p = m.json<ReleaseProgressEvent>();
          if (p.hostId === hostId && p.hostState === hostState) {
            sub.unsubscribe();
            resolve();
          }
        },
      });
    });
  /** Waits until the plan is over and returns it. */
  const finished = (planId: string): Promise<ReleasePlanView> =>
    eventually(
      'plan resumed and finished',
      async () => {
        const p = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseGet, { planId });
        return ['succeeded', 'rolled-back', 'failed'].includes(p.state) ? p : undefined;
      },
      40_000,
    );

  before(async () => {
    [nats, redis, zk] = await Promise.all([startNats(), startRedis(), startZooKeeper()]);
    nc = await nats.connect();
    dir = mkdtempSync(join(tmpdir(), 'msec-deploy-resume-'));
    deploy = new DeployProcess(await nats.envFor(NatsRole.deploy), redis.url, join(dir, 'data'));
    await deploy.start(nc);
    registry = new RegistryProcess(await nats.envFor(NatsRole.registry), zk.url, join(dir, 'registry'), zooKeeperIdentities().registryEnv);
    await registry.start(nc);
    for (const h of HOSTS)
      agents.push(
        new AgentHost(
          h.hostId,
          h.ip,
          join(dir, h.hostId),
          join(dir, 'data', 'keys', 'console.pub'),
          await nats.envFor(NatsRole.agent, h.hostId),
          300,
        ),
      );
    await Promise.all(agents.map((a) => a.start(nc)));
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await deploy?.stop();
    await registry?.stop();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose(), zk?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy - a plan whose deploy process is SIGKILLed mid-release resumes after restart, completes, and the registry scales out its hosts once', async () => {
    await eventually('three hosts up', async () => {
      const hosts = await natsRequest<{ status: string }[]>(nc, DeploySubjects.hostsList, {});
      return hosts.filter((h) => h.status === 'up').length === 3 ? true : undefined;
    });
    await upload('3.0.0');
    const port = await freePort();
    const canaryDone = hostReaches('res-h1', 'done');
    const plan = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseCreate, {
      service: 'Demo.echo',
      packageName: 'echo-svc',
      packageVersion: '3.0.0',
      port,
      hosts: HOSTS.map((h) => h.hostId),
      strategy: { canary: true, batchSize: 1, stabilizeMs: 1500, healthTimeoutMs: 5000 },
    });
    await canaryDone;
    await deploy.stop('SIGKILL');
    await deploy.start(nc);
    const mid = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseGet, { planId: plan.planId });
    assert.equal(mid.hosts[0]!.state, 'done');
    assert.notEqual(mid.state, 'succeeded', 'the kill happened mid-release');
    const done = await finished(plan.planId);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    for (const h of HOSTS) {
      const res = await fetch(`http://${h.ip}:${port}/`);
      assert.equal(((await res.json()) as { version: string }).version, '3.0.0');
    }
    const routed = await eventually('registry scaled the release out', async () => {
      const view = await natsRequest<ServiceView>(nc, RegistrySubjects.serviceShow, { name: 'Demo.echo' }).catch(() => undefined);
      return view && view.instances.filter((i) => i.enabled).length === HOSTS.length ? view : undefined;
    });
    assert.deepEqual(
      routed.instances.map((i) => [i.ip, i.port, i.enabled]),
      HOSTS.map((h) => [h.ip, port, true]),
    );
    releasedPort = port;
  });

  it('deploy - a plan whose deploy process is SIGKILLed while a host step runs does that step again after restart and completes; no host is left on the old version', async () => {
    await upload('3.1.0');
    const port = releasedPort;
    const secondHostChanging = hostReaches('res-h2', 'changing');
    const plan = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseCreate, {
      service: 'Demo.echo',
      packageName: 'echo-svc',
      packageVersion: '3.1.0',
      port,
      hosts: HOSTS.map((h) => h.hostId),
      strategy: { canary: false, batchSize: 1, stabilizeMs: 1500, healthTimeoutMs: 5000 },
    });
    await secondHostChanging;
    await deploy.stop('SIGKILL');
    await deploy.start(nc);
    const mid = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseGet, { planId: plan.planId });
    assert.deepEqual(
      mid.hosts.map((h) => h.state),
      ['done', 'changing', 'pending'],
      'killed with the second host mid-step',
    );
    const done = await finished(plan.planId);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    for (const h of HOSTS) {
      const res = await fetch(`http://${h.ip}:${port}/`);
      assert.equal(((await res.json()) as { version: string }).version, '3.1.0', `${h.hostId} serves the new version`);
    }
  });
});
