import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { EventStore, type DomainEvent } from '@msec/bus';
import {
  DeployEventSubjects,
  DeployEventType,
  DeploySubjects,
  NatsRole,
  type DeployEventPayloads,
  type ReleasePlanView,
  type ReleaseProgressEvent,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import {
  BROKEN_SERVER,
  buildPackage,
  freePort,
  GOOD_SERVER,
  startNats,
  startRedis,
  type InfraServer,
  type NatsTestServer,
} from '@msec/testing';
import { AgentHost, DeployProcess, eventually, uploadStaged } from './helpers/deploy-harness.js';

/** Three hosts on distinct loopback addresses (network namespaces need root; the issue allows this fallback). */
const HOSTS = [
  { hostId: 'rel-h1', ip: '127.0.0.11' },
  { hostId: 'rel-h2', ip: '127.0.0.12' },
  { hostId: 'rel-h3', ip: '127.0.0.13' },
];

async function versionAt(ip: string, port: number): Promise<string> {
  const res = await fetch(`http://${ip}:${port}/`, { signal: AbortSignal.timeout(2000) });
  return ((await res.json()) as { version: string }).version;
}

describe('deploy releases', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let nc: NatsConnection;
  let dir: string;
  let deploy: DeployProcess;
  let port: number;
  const agents: AgentHost[] = [];
  const progress: ReleaseProgressEvent[] = [];
  /** The events of a plan in the event stream. */
  const planEvents = async (planId: string): Promise<DomainEvent[]> =>
    (await new EventStore(nc).read(DeployEventSubjects.release(planId))).events.map((e) => e.event);
  const released = async (planId: string) =>
    (await planEvents(planId)).find((e) => e.type === DeployEventType.releaseSucceeded) as
      DomainEvent<string, DeployEventPayloads['deploy.ReleaseSucceeded']> | undefined;
  let firstPlan: ReleasePlanView;

  const upload = (name: string, version: string, source: string, padBytes = 0) => {
    const pkg = buildPackage(name, version, source, padBytes);
    return uploadStaged(nc, pkg.bytes, pkg.sha256);
  };
  const finished = (planId: string, timeoutMs = 40_000) =>
    eventually(
      `plan ${planId} finished`,
      async () => {
        const plan = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseGet, { planId });
        return ['succeeded', 'rolled-back', 'failed', 'paused'].includes(plan.state) ? plan : undefined;
      },
      timeoutMs,
    );

  before(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect();
    nc.subscribe(DeploySubjects.releaseProgress, { callback: (_e, m) => void progress.push(m.json<ReleaseProgressEvent>()) });
    dir = mkdtempSync(join(tmpdir(), 'msec-deploy-rel-'));
    deploy = new DeployProcess(await nats.envFor(NatsRole.deploy), redis.url, join(dir, 'data'));
    await deploy.start(nc);
    for (const h of HOSTS) {
      const agent = new AgentHost(
        h.hostId,
        h.ip,
        join(dir, h.hostId),
        join(dir, 'data', 'keys', 'console.pub'),
        await nats.envFor(NatsRole.agent, h.hostId),
        300,
      );
      agents.push(agent);
    }
    await Promise.all(agents.map((a) => a.start(nc)));
    await eventually('three hosts up', async () => {
      const hosts = await natsRequest<{ hostId: string; status: string }[]>(nc, DeploySubjects.hostsList, {});
      return hosts.filter((h) => h.status === 'up').length === 3 ? true : undefined;
    });
    port = await freePort();
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await deploy?.stop();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy - releases a 1.5 MiB package from the Object Store to three hosts, canary first, then batches, and announces it', async () => {
    const stored = await upload('echo-svc', '1.0.0', GOOD_SERVER, 1536 * 1024);
    assert.ok(stored.size > 1024 * 1024);
    firstPlan = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseCreate, {
      service: 'Demo.echo',
      packageName: 'echo-svc',
      packageVersion: '1.0.0',
      port,
      hosts: HOSTS.map((h) => h.hostId),
      strategy: { canary: true, batchSize: 2, stabilizeMs: 600, healthTimeoutMs: 5000 },
    });
    assert.deepEqual(
      firstPlan.hosts.map((h) => h.batch),
      [0, 1, 1],
    );
    const done = await finished(firstPlan.planId);
    assert.equal(done.state, 'succeeded', JSON.stringify(done));
    for (const h of HOSTS) assert.equal(await versionAt(h.ip, port), '1.0.0');
    const mine = progress.filter((p) => p.planId === firstPlan.planId);
    const canaryDone = mine.findIndex((p) => p.hostId === 'rel-h1' && p.hostState === 'done');
    const othersStart = mine.findIndex((p) => p.hostId !== 'rel-h1' && p.hostState === 'changing');
    assert.ok(canaryDone >= 0 && othersStart > canaryDone, 'the canary finished before the next batch started');
    const announced = (await released(firstPlan.planId))?.payload;
    assert.deepEqual(
      announced?.hosts.map((h) => h.ip),
      HOSTS.map((h) => h.ip),
    );
    assert.equal(announced?.port, port);
    // every step is an event: the canary's batch and its host, then the next batch and its hosts
    const types = (await planEvents(firstPlan.planId)).map((e) =>
      `${e.type.slice('deploy.'.length)} ${(e.payload as { hostId?: string }).hostId ?? ''}`.trim(),
    );
    assert.deepEqual(types.slice(0, 5), [
      'ReleaseCreated',
      'ReleaseStarted',
      'BatchStarted',
      'InstanceStarted rel-h1',
      'InstanceHealthy rel-h1',
    ]);
    assert.equal(types.at(-1), 'ReleaseSucceeded');
    assert.equal(types.filter((t) => t.startsWith('InstanceHealthy')).length, HOSTS.length);
  });

  it('deploy - a broken package fails the canary, stops the plan and rolls the canary back while the others keep serving', async () => {
    await upload('echo-svc', '2.0.0-broken', BROKEN_SERVER);
    let othersFailed = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const h of HOSTS.slice(1)) if ((await versionAt(h.ip, port).catch(() => 'down')) !== '1.0.0') othersFailed += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const plan = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseCreate, {
      service: 'Demo.echo',
      packageName: 'echo-svc',
      packageVersion: '2.0.0-broken',
      port,
      hosts: HOSTS.map((h) => h.hostId),
      // The broken build exits at once and fails without waiting; the time is for the rollback's old version to start on a busy machine.
      strategy: { canary: true, batchSize: 2, stabilizeMs: 600, healthTimeoutMs: 8000 },
    });
    assert.deepEqual(plan.hosts[0]!.previous, { packageName: 'echo-svc', packageVersion: '1.0.0', configTag: null, idlTag: null });
    const done = await finished(plan.planId);
    polling = false;
    await poller;
    assert.equal(done.state, 'rolled-back', JSON.stringify(done));
    assert.match(done.error ?? '', /exited \(code 3\) before it accepted connections/);
    assert.deepEqual(
      done.hosts.map((h) => h.state),
      ['rolled-back', 'pending', 'pending'],
    );
    assert.equal(othersFailed, 0, 'the hosts outside the canary served 1.0.0 all along');
    for (const h of HOSTS) assert.equal(await versionAt(h.ip, port), '1.0.0');
    assert.equal(await released(plan.planId), undefined);
    const types = (await planEvents(plan.planId)).map((e) => e.type);
    assert.ok(types.includes(DeployEventType.instanceFailed) && types.includes(DeployEventType.rollbackStarted), types.join(', '));
    assert.equal(types.at(-1), DeployEventType.releaseRolledBack);
  });

  it('deploy - pauses after the canary when asked, and rolls back by hand to an earlier release', async () => {
    await upload('echo-svc', '1.1.0', GOOD_SERVER);
    const plan = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseCreate, {
      service: 'Demo.echo',
      packageName: 'echo-svc',
      packageVersion: '1.1.0',
      port,
      hosts: HOSTS.map((h) => h.hostId),
      strategy: { canary: true, batchSize: 2, pauseAfterCanary: true, stabilizeMs: 300, healthTimeoutMs: 5000 },
    });
    const paused = await finished(plan.planId);
    assert.equal(paused.state, 'paused', JSON.stringify(paused));
    assert.deepEqual(await Promise.all(HOSTS.map((h) => versionAt(h.ip, port))), ['1.1.0', '1.0.0', '1.0.0']);
    // A second deploy process on the same database runs beside the first; four resumes of the plan race across both.
    const second = new DeployProcess(await nats.envFor(NatsRole.deploy), redis.url, join(dir, 'data'));
    await second.start(nc);
    let resumed: ReleasePlanView;
    try {
      const outcomes = await Promise.all(
        [1, 2, 3, 4].map(() =>
          natsRequest(nc, DeploySubjects.releaseResume, { planId: plan.planId }, 15_000).then(
            () => 'resumed',
            (error: { code?: string }) => error.code ?? String(error),
          ),
        ),
      );
      assert.deepEqual(outcomes.sort(), ['DEPLOY_PLAN_STATE', 'DEPLOY_PLAN_STATE', 'DEPLOY_PLAN_STATE', 'resumed']);
      resumed = await finished(plan.planId);
    } finally {
      await second.stop();
    }
    const steps = (await planEvents(plan.planId)).map((e) => `${e.type} ${(e.payload as { hostId?: string }).hostId ?? ''}`.trim());
    assert.equal(steps.filter((t) => t === DeployEventType.releaseResumed).length, 1, steps.join(', '));
    for (const h of HOSTS)
      assert.equal(steps.filter((t) => t === `${DeployEventType.instanceStarted} ${h.hostId}`).length, 1, `${h.hostId} changed once`);
    assert.equal(resumed.state, 'succeeded', JSON.stringify(resumed));
    assert.deepEqual(await Promise.all(HOSTS.map((h) => versionAt(h.ip, port))), ['1.1.0', '1.1.0', '1.1.0']);
    const back = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseRollback, { planId: firstPlan.planId });
    assert.equal(back.kind, 'rollback');
    const restored = await finished(back.planId);
    assert.equal(restored.state, 'succeeded', JSON.stringify(restored));
    assert.deepEqual(await Promise.all(HOSTS.map((h) => versionAt(h.ip, port))), ['1.0.0', '1.0.0', '1.0.0']);
  });

  it('deploy - rebuild replays the release events into an empty read model equal to the live one', async () => {
    const live = await natsRequest<ReleasePlanView[]>(nc, DeploySubjects.releaseList, {});
    assert.ok(live.length >= 4, `${live.length} plans`);
    const rebuilt = await natsRequest<{ releases: number }>(nc, DeploySubjects.rebuild, {}, 60_000);
    assert.equal(rebuilt.releases, live.length);
    assert.deepEqual(await natsRequest<ReleasePlanView[]>(nc, DeploySubjects.releaseList, {}), live);
  });
});
