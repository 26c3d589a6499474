import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { type NatsConnection } from '@nats-io/transport-node';
import { EventStore } from '@msec/bus';
import {
  DeployEventSubjects,
  DeployEventType,
  DeploySubjects,
  MsecError,
  signCommand,
  type AgentAuditEvent,
  type CommandReply,
  type HostView,
  NatsRole,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, startRedis, type InfraServer, type NatsTestServer } from '@msec/testing';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { AgentHost, eventually } from './helpers/deploy-harness.js';
import { startDeployApp } from './helpers/deploy-app.js';
import { MISSED_HEARTBEATS_FOR_DOWN, HOST_SWEEP_MS } from '../src/hosts/hosts.projection.js';

const ADMIN = { user: 'ada', role: 'admin' };

describe('deploy hosts', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let nc: NatsConnection;
  let app: INestMicroservice;
  let dir: string;
  let agent: AgentHost;
  const heartbeatMs = 500;

  before(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect();
    dir = mkdtempSync(join(tmpdir(), 'msec-deploy-hosts-'));
    app = await startDeployApp(nats, redis.url, join(dir, 'data'));
    agent = new AgentHost(
      'hosts-a',
      '127.0.0.2',
      join(dir, 'agent-a'),
      join(dir, 'data', 'keys', 'console.pub'),
      await nats.envFor(NatsRole.agent, 'hosts-a'),
      heartbeatMs,
    );
    await agent.start(nc);
  });

  after(async () => {
    await agent?.stop();
    await app?.close();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const host = async (hostId: string): Promise<HostView | undefined> =>
    (await natsRequest<HostView[]>(nc, DeploySubjects.hostsList, {})).find((h) => h.hostId === hostId);

  it('deploy - lists a heartbeating host as up with its metrics', async () => {
    const view = await eventually('host listed', () => host('hosts-a'));
    assert.equal(view.status, 'up');
    assert.equal(view.ip, '127.0.0.2');
    assert.ok(view.metrics && view.metrics.memTotalBytes > 0 && view.metrics.load.length === 3);
  });

  it("deploy - a heartbeat whose hostId differs from the subject's host is not listed", async () => {
    const real = await eventually('host listed', () => host('hosts-a'));
    const beat = (hostId: string): string =>
      JSON.stringify({
        hostId,
        ip: '127.0.0.9',
        intervalMs: heartbeatMs,
        startedAt: Date.now(),
        sentAt: Date.now(),
        metrics: real.metrics,
        instances: [],
      });
    // A sender allowed to publish as 'hosts-x' claims to be 'hosts-forged'; then an honest heartbeat of 'hosts-y'.
    const [agentX, agentY] = await Promise.all([nats.connectAs(NatsRole.agent, 'hosts-x'), nats.connectAs(NatsRole.agent, 'hosts-y')]);
    agentX.publish(DeploySubjects.agentHeartbeat('hosts-x'), beat('hosts-forged'));
    agentY.publish(DeploySubjects.agentHeartbeat('hosts-y'), beat('hosts-y'));
    await Promise.all([agentX.flush(), agentY.flush()]);
    await Promise.all([agentX.close(), agentY.close()]);
    await eventually('the honest heartbeat of hosts-y', () => host('hosts-y'));
    assert.equal(await host('hosts-forged'), undefined);
    assert.equal(await host('hosts-x'), undefined);
  });

  it('deploy - signs commands the agent runs, and stores the audit of executed and refused ones', async () => {
    const result = await natsRequest<{ stdout: string }>(
      nc,
      DeploySubjects.commandSend,
      { hostId: 'hosts-a', type: 'exec', args: { argv: ['/bin/echo', 'signed'] }, actor: ADMIN },
      15_000,
    );
    assert.equal(result.stdout, 'signed\n');
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = await natsRequest<{ keyId: string }>(nc, DeploySubjects.keysCurrent, {});
    const now = Date.now();
    const forged = signCommand(
      {
        v: 1,
        hostId: 'hosts-a',
        commandId: randomUUID(),
        issuedAt: now,
        expiresAt: now + 30_000,
        nonce: randomBytes(16).toString('hex'),
        type: 'exec',
        args: { argv: ['/bin/true'] },
      },
      privateKey,
      key.keyId,
    );
    const reply = (
      await nc.request(DeploySubjects.agentCommand('hosts-a'), JSON.stringify(forged), { timeout: 5000 })
    ).json<CommandReply>();
    assert.equal(reply.ok, false);
    const audits = await eventually('refusal stored', async () => {
      const rows = await natsRequest<AgentAuditEvent[]>(nc, DeploySubjects.auditList, { hostId: 'hosts-a' });
      return rows.some((r) => r.commandId === forged.envelope.commandId) ? rows : undefined;
    });
    const refusal = audits.find((r) => r.commandId === forged.envelope.commandId)!;
    assert.equal(refusal.outcome, 'refused');
    assert.equal(refusal.code, 'AGENT_BAD_SIGNATURE');
    const executed = audits.find((r) => r.type === 'exec' && r.outcome === 'executed');
    assert.equal(executed?.requestedBy, 'ada (admin)', 'the audit names who asked deploy for the command');
    assert.ok(executed && typeof executed.issuedAt === 'number' && executed.issuedAt <= executed.receivedAt, 'issuedAt is kept');
    assert.equal(refusal.requestedBy, null, 'a forged envelope names nobody');
    await assert.rejects(
      natsRequest(nc, DeploySubjects.commandSend, { hostId: 'nobody', type: 'exec', args: {}, actor: ADMIN }),
      (e: MsecError) => e.code === 'DEPLOY_HOST_NOT_FOUND',
    );
    await assert.rejects(
      natsRequest(nc, DeploySubjects.commandSend, { hostId: 'hosts-a', type: 'format-disk', args: {}, actor: ADMIN }, 15_000),
      (e: MsecError) => {
        assert.equal(e.code, 'DEPLOY_AGENT_REFUSED');
        assert.equal(e.data?.agentCode, 'AGENT_UNKNOWN_TYPE');
        return true;
      },
    );
  });

  it('deploy - signs exec, file transfer and key rotation only for an admin requester, whoever relays the request', async () => {
    const developer = { user: 'dev', role: 'developer' };
    for (const [subject, body] of [
      [DeploySubjects.commandSend, { hostId: 'hosts-a', type: 'exec', args: { argv: ['/usr/bin/id'] }, actor: developer }],
      [DeploySubjects.commandSend, { hostId: 'hosts-a', type: 'put-file', args: { path: 'x', contentBase64: '' }, actor: developer }],
      [DeploySubjects.keysRotate, { overlapSeconds: 60, actor: developer }],
    ] as const) {
      await assert.rejects(natsRequest(nc, subject, body, 15_000), (e: MsecError) => {
        assert.equal(e.code, 'DEPLOY_ADMIN_REQUIRED');
        assert.equal(e.status, 403);
        return true;
      });
    }
    await assert.rejects(
      natsRequest(nc, DeploySubjects.commandSend, { hostId: 'hosts-a', type: 'exec', args: { argv: ['/usr/bin/id'] } }, 15_000),
      (e: MsecError) => e.code === 'VALIDATION_FAILED' && e.data?.field === 'actor',
    );
    const executed = await natsRequest<AgentAuditEvent[]>(nc, DeploySubjects.auditList, { hostId: 'hosts-a', limit: 1000 });
    assert.equal(executed.filter((r) => r.requestedBy?.startsWith('dev ')).length, 0, 'nothing was signed for the developer');
  });

  it('deploy - shows a host down within MISSED_HEARTBEATS_FOR_DOWN × interval + sweep, and up again when it resumes', async () => {
    await agent.stop('SIGKILL');
    const stoppedAt = Date.now();
    const documented = MISSED_HEARTBEATS_FOR_DOWN * heartbeatMs + HOST_SWEEP_MS;
    await eventually('host down', async () => ((await host('hosts-a'))?.status === 'down' ? true : undefined), documented + 2_000);
    assert.ok(Date.now() - stoppedAt <= documented + 1_000, `down after ${Date.now() - stoppedAt} ms, documented ${documented} ms`);
    await agent.start(nc);
    await eventually('host up again', async () => ((await host('hosts-a'))?.status === 'up' ? true : undefined), 5_000);
    // the status changes (not the heartbeats) are events, in order
    const { events } = await new EventStore(nc).read(DeployEventSubjects.host('hosts-a'));
    assert.deepEqual(
      events.map((e) => e.event.type),
      [DeployEventType.hostUp, DeployEventType.hostDown, DeployEventType.hostUp],
    );
  });

  it('deploy - rotates the console key once when asked twice at once: agents switch to the new key', async () => {
    // hosts-y (an earlier test's one heartbeat) goes down 1.5–2 s after it: the rotation is for hosts that are up.
    await eventually('hosts-y marked down', async () => ((await host('hosts-y'))?.status === 'down' ? true : undefined), 5_000);
    const before = await natsRequest<{ keyId: string }>(nc, DeploySubjects.keysCurrent, {});
    const rotate = () =>
      natsRequest<{ keyId: string; hosts: { hostId: string; ok: boolean }[] }>(
        nc,
        DeploySubjects.keysRotate,
        { overlapSeconds: 60, actor: ADMIN },
        15_000,
      ).then(
        (r) => r,
        (error: { code?: string }) => error.code ?? String(error),
      );
    const outcomes = await Promise.all([rotate(), rotate()]);
    const done = outcomes.filter((o) => typeof o !== 'string');
    assert.equal(done.length, 1, JSON.stringify(outcomes));
    assert.deepEqual(
      outcomes.filter((o) => typeof o === 'string'),
      ['BUS_APPEND_CONFLICT'],
    );
    const rotation = done[0]!;
    const recorded = (await new EventStore(nc).read(DeployEventSubjects.keys)).events.map((e) => e.event.payload);
    assert.deepEqual(recorded.at(-1), {
      keyId: rotation.keyId,
      previousKeyId: before.keyId,
      overlapSeconds: 60,
      requestedBy: 'ada (admin)',
    });
    assert.equal((await natsRequest<{ keyId: string }>(nc, DeploySubjects.keysCurrent, {})).keyId, rotation.keyId);
    assert.notEqual(rotation.keyId, before.keyId);
    assert.deepEqual(
      rotation.hosts.map((h) => [h.hostId, h.ok]),
      [['hosts-a', true]],
    );
    const sentAfterRotation = Date.now();
    const result = await natsRequest<{ stdout: string }>(
      nc,
      DeploySubjects.commandSend,
      { hostId: 'hosts-a', type: 'exec', args: { argv: ['/bin/echo', 'rotated'] }, actor: ADMIN },
      15_000,
    );
    assert.equal(result.stdout, 'rotated\n');
    // The agent's audit record of the exec reaches deploy through its stream a moment after the reply.
    let execAudit: AgentAuditEvent | undefined;
    for (let i = 0; i < 50 && execAudit === undefined; i++) {
      const audits = await natsRequest<AgentAuditEvent[]>(nc, DeploySubjects.auditList, { hostId: 'hosts-a', limit: 5 });
      execAudit = audits.find((a) => a.type === 'exec' && (a.issuedAt ?? 0) >= sentAfterRotation);
      if (execAudit === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(execAudit?.keyId, rotation.keyId, 'the command after the rotation was signed with the new key');
  });

  it('deploy - stores audit events sent while it was down once it is back (durable JetStream consumer)', async () => {
    await app.close();
    const key = await natsRequest<{ keyId: string }>(nc, DeploySubjects.keysCurrent, {}).catch(() => ({ keyId: 'none' }));
    const now = Date.now();
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = signCommand(
      {
        v: 1,
        hostId: 'hosts-a',
        commandId: randomUUID(),
        issuedAt: now,
        expiresAt: now + 30_000,
        nonce: randomBytes(16).toString('hex'),
        type: 'exec',
        args: { argv: ['/bin/true'] },
      },
      privateKey,
      key.keyId,
    );
    const reply = (
      await nc.request(DeploySubjects.agentCommand('hosts-a'), JSON.stringify(forged), { timeout: 5000 })
    ).json<CommandReply>();
    assert.equal(reply.ok, false);
    app = await startDeployApp(nats, redis.url, join(dir, 'data'));
    const rows = await eventually('audit stored after restart', async () => {
      const found = await natsRequest<AgentAuditEvent[]>(nc, DeploySubjects.auditList, { commandId: forged.envelope.commandId });
      return found.length > 0 ? found : undefined;
    });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.outcome, 'refused');
  });
});
