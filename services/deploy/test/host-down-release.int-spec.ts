import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { EventStore, type DomainEvent } from '@msec/bus';
import {
  AgentCommandType,
  DeployEventSubjects,
  DeployEventType,
  DeploySubjects,
  NatsRole,
  type AgentAuditEvent,
  type HostView,
  type ReleasePlanView,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { buildPackage, freePort, GOOD_SERVER, startNats, startRedis, type InfraServer, type NatsTestServer } from '@msec/testing';
import { AgentHost, DeployProcess, eventually, uploadStaged } from './helpers/deploy-harness.js';

const HOST = { hostId: 'down-h1', ip: '127.0.0.21' };
/** Seconds the slow build takes to open its port: long enough for the host to be marked down while its start waits. */
const SLOW_LISTEN_S = 6;
/** A build that opens its port SLOW_LISTEN_S after it starts, so the agent's start-instance is in flight that long. */
const SLOW_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => res.end(JSON.stringify({ version: process.env.PKG_VERSION })));
setTimeout(() => server.listen(Number(process.env.MSEC_PORT), process.env.MSEC_HOST || '127.0.0.1'), ${SLOW_LISTEN_S * 1000});
process.on('SIGTERM', () => process.exit(0));
`;

async function versionAt(ip: string, port: number): Promise<string> {
  const res = await fetch(`http://${ip}:${port}/`, { signal: AbortSignal.timeout(2000) });
  return ((await res.json()) as { version: string }).version;
}

describe('deploy releases to a host that goes down', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let nc: NatsConnection;
  let dir: string;
  let deploy: DeployProcess;
  let agent: AgentHost;
  let port: number;

  const planEvents = async (planId: string): Promise<DomainEvent[]> =>
    (await new EventStore(nc).read(DeployEventSubjects.release(planId))).events.map((e) => e.event);
  const host = async (): Promise<HostView | undefined> =>
    (await natsRequest<HostView[]>(nc, DeploySubjects.hostsList, {})).find((h) => h.hostId === HOST.hostId);
  const release = (version: string, healthTimeoutMs = 5000) =>
    natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseCreate, {
      service: 'Demo.down',
      packageName: 'down-svc',
      packageVersion: version,
      port,
      hosts: [HOST.hostId],
      strategy: { canary: false, batchSize: 1, stabilizeMs: 300, healthTimeoutMs },
    });
  const finished = (planId: string, timeoutMs = 40_000) =>
    eventually(
      `plan ${planId} finished`,
      async () => {
        const plan = await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseGet, { planId });
        return ['succeeded', 'rolled-back', 'failed'].includes(plan.state) ? plan : undefined;
      },
      timeoutMs,
    );

  before(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect();
    dir = mkdtempSync(join(tmpdir(), 'msec-deploy-down-'));
    deploy = new DeployProcess(await nats.envFor(NatsRole.deploy), redis.url, join(dir, 'data'));
    await deploy.start(nc);
    agent = new AgentHost(
      HOST.hostId,
      HOST.ip,
      join(dir, HOST.hostId),
      join(dir, 'data', 'keys', 'console.pub'),
      await nats.envFor(NatsRole.agent, HOST.hostId),
      300,
    );
    await agent.start(nc);
    await eventually('host up', async () => ((await host())?.status === 'up' ? true : undefined));
    for (const [version, source] of [
      ['1.0.0', GOOD_SERVER],
      ['2.0.0', SLOW_SERVER],
    ] as const) {
      const pkg = buildPackage('down-svc', version, source);
      await uploadStaged(nc, pkg.bytes, pkg.sha256);
    }
    port = await freePort();
    const first = await finished((await release('1.0.0')).planId);
    assert.equal(first.state, 'succeeded', JSON.stringify(first));
  });

  after(async () => {
    agent?.child?.kill('SIGCONT');
    await agent?.stop();
    await deploy?.stop();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('host down - a release waiting on a host that stops heartbeating fails at once naming it; the late answer changes nothing; the host takes the next release', async () => {
    // the agent may wait up to 60 s for the port, and deploy up to 75 s for that answer: only the host going down ends it sooner
    const plan = await release('2.0.0', 60_000);
    await eventually('the agent is starting the slow build', async () => {
      const instance = (await host())?.instances.find((i) => i.name === 'Demo.down');
      return instance?.packageVersion === '2.0.0' && instance.status === 'starting' ? true : undefined;
    });
    const frozenAt = Date.now();
    // a frozen agent neither heartbeats nor answers, as a host whose link dropped
    agent.child!.kill('SIGSTOP');
    const failed = await finished(plan.planId, 30_000);
    const tookMs = Date.now() - frozenAt;
    assert.equal(failed.state, 'failed', JSON.stringify(failed));
    assert.ok(tookMs < 15_000, `the release failed ${tookMs} ms after the host went silent`);
    assert.match(failed.error ?? '', /^host down-h1 is down \(no heartbeat for \d+ s\); rollback failed on 1 host\(s\)$/);
    assert.match(failed.hosts[0]!.error ?? '', /^rollback failed: host down-h1 is down/, 'no command is sent to a host that is down');
    const events = await planEvents(plan.planId);
    const stepFailed = events.find((e) => e.type === DeployEventType.instanceFailed);
    assert.match((stepFailed?.payload as { reason: string }).reason, /^host down-h1 is down \(no heartbeat for \d+ s\)$/);
    assert.deepEqual(
      events.slice(-4).map((e) => e.type),
      [DeployEventType.rollbackStarted, DeployEventType.instanceRollingBack, DeployEventType.instanceFailed, DeployEventType.releaseFailed],
      'the failed step took the usual failure and rollback path',
    );

    agent.child!.kill('SIGCONT');
    await eventually('host up again', async () => ((await host())?.status === 'up' ? true : undefined));
    // the agent finishes the start it was running and answers deploy, which no longer waits for it
    await eventually(
      'the late start answered',
      async () => {
        const audits = await natsRequest<AgentAuditEvent[]>(nc, DeploySubjects.auditList, { hostId: HOST.hostId, limit: 20 });
        return audits.find((a) => a.type === AgentCommandType.startInstance && a.receivedAt >= plan.createdAt) ? true : undefined;
      },
      SLOW_LISTEN_S * 1000 + 10_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await natsRequest<ReleasePlanView>(nc, DeploySubjects.releaseGet, { planId: plan.planId })).state, 'failed');
    assert.equal((await planEvents(plan.planId)).length, events.length, 'no event after the late answer');

    const next = await finished((await release('1.0.0')).planId);
    assert.equal(next.state, 'succeeded', JSON.stringify(next));
    assert.equal(await versionAt(HOST.ip, port), '1.0.0');
  });
});
