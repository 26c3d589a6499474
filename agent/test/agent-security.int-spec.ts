import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsTestServer } from '@msec/testing';
import { DeploySubjects, type AgentAuditEvent, type CommandReply, NatsRole } from '@msec/contracts';
import { AgentProcess, consoleKey, envelope, send, signed, type ConsoleKey } from './helpers/agent-harness.js';

describe('agent security', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let dir: string;
  let key: ConsoleKey;
  let agent: AgentProcess;
  const audits: AgentAuditEvent[] = [];
  const hostId = 'sec-host-1';
  let marker: string;

  const execTouch = (): { argv: string[] } => ({ argv: ['/usr/bin/touch', marker] });

  const refused = async (command: unknown, code: string): Promise<CommandReply> => {
    const reply = await send(nc, hostId, command);
    assert.equal(reply.ok, false, `expected refusal ${code}, got ${JSON.stringify(reply)}`);
    if (!reply.ok) assert.equal(reply.code, code, reply.reason);
    assert.equal(existsSync(marker), false, 'a refused exec must not run');
    return reply;
  };

  const auditOf = async (commandId: string | null, outcome: string): Promise<AgentAuditEvent> => {
    for (let i = 0; i < 50; i++) {
      const found = audits.find((a) => a.commandId === commandId && a.outcome === outcome);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${outcome} audit for ${commandId}`);
  };

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    nc.subscribe(DeploySubjects.agentAuditAll, { callback: (_e, m) => void audits.push(m.json<AgentAuditEvent>()) });
    dir = mkdtempSync(join(tmpdir(), 'msec-agent-sec-'));
    marker = join(dir, 'marker');
    key = consoleKey();
    agent = new AgentProcess(
      hostId,
      '127.0.0.1',
      join(dir, 'agent'),
      AgentProcess.writeKey(join(dir, 'console.pub'), key.publicPem),
      await nats.envFor(NatsRole.agent, hostId),
    );
    await agent.start(nc);
  });

  after(async () => {
    await agent?.stop();
    await nc?.close();
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('agent - runs a correctly signed exec and audits it', async () => {
    const cmd = signed(key, envelope(hostId, 'exec', { argv: ['/bin/echo', 'hello'] }));
    const reply = await send(nc, hostId, cmd);
    assert.equal(reply.ok, true, JSON.stringify(reply));
    if (reply.ok) assert.equal(reply.result.stdout, 'hello\n');
    await auditOf(cmd.envelope.commandId, 'executed');
  });

  it('agent - refuses a forged signature, runs nothing and audits the refusal', async () => {
    const forger = consoleKey();
    const cmd = signed(forger, envelope(hostId, 'exec', execTouch()));
    const forged = { ...cmd, keyId: key.keyId };
    const reply = await refused(forged, 'AGENT_BAD_SIGNATURE');
    assert.match(reply.ok ? '' : reply.reason, /signature/);
    await auditOf(cmd.envelope.commandId, 'refused');
    await refused(cmd, 'AGENT_UNKNOWN_KEY');
  });

  it('agent - a command type holding a newline cannot forge a line in the agent log or the audit', async () => {
    const forger = consoleKey();
    const forgedLine = 'FORGED-LINE executed exec by admin';
    const cmd = signed(forger, envelope(hostId, `exec\n${forgedLine}`, execTouch()));
    await refused({ ...cmd, keyId: key.keyId }, 'AGENT_BAD_SIGNATURE');
    const audit = await auditOf(cmd.envelope.commandId, 'refused');
    assert.equal(audit.type, `exec\\u000a${forgedLine}`, 'the audit keeps the type with its newline escaped');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(agent.output.includes('exec\\u000aFORGED-LINE'), 'the refusal is logged, escaped');
    assert.equal(
      agent.output.split('\n').some((line) => line.startsWith(forgedLine)),
      false,
      'no log line starts with the forged text',
    );
  });

  it('agent - refuses a command for another host', async () => {
    const cmd = signed(key, envelope('some-other-host', 'exec', execTouch()));
    const reply = await refused(cmd, 'AGENT_WRONG_HOST');
    assert.match(reply.ok ? '' : reply.reason, /some-other-host/);
    const audit = await auditOf(cmd.envelope.commandId, 'refused');
    assert.equal(audit.code, 'AGENT_WRONG_HOST');
  });

  it('agent - refuses an expired command', async () => {
    const issuedAt = Date.now() - 60_000;
    const cmd = signed(key, envelope(hostId, 'exec', execTouch(), { issuedAt, expiresAt: issuedAt + 30_000 }));
    await refused(cmd, 'AGENT_EXPIRED');
    await auditOf(cmd.envelope.commandId, 'refused');
  });

  it('agent - refuses a command whose lifetime is too long', async () => {
    const cmd = signed(key, envelope(hostId, 'exec', execTouch(), { expiresAt: Date.now() + 3_600_000 }));
    await refused(cmd, 'AGENT_LIFETIME_TOO_LONG');
  });

  it('agent - refuses tampered arguments', async () => {
    const cmd = signed(key, envelope(hostId, 'exec', { argv: ['/bin/echo', 'harmless'] }));
    const tampered = { ...cmd, envelope: { ...cmd.envelope, args: execTouch() } };
    await refused(tampered, 'AGENT_BAD_SIGNATURE');
    await auditOf(cmd.envelope.commandId, 'refused');
  });

  it('agent - refuses an unknown command type', async () => {
    const cmd = signed(key, envelope(hostId, 'format-disk', { argv: ['/usr/bin/touch', marker] }));
    const reply = await refused(cmd, 'AGENT_UNKNOWN_TYPE');
    assert.match(reply.ok ? '' : reply.reason, /format-disk/);
    await auditOf(cmd.envelope.commandId, 'refused');
  });

  it('agent - refuses malformed commands', async () => {
    await refused({ hello: 'world' }, 'AGENT_MALFORMED_COMMAND');
    const reply = await nc.request(DeploySubjects.agentCommand(hostId), 'not json', { timeout: 5000 });
    assert.equal(reply.json<CommandReply>().ok, false);
  });

  it('agent - refuses a replayed nonce, also after an agent restart', async () => {
    const cmd = signed(key, envelope(hostId, 'exec', execTouch()));
    const first = await send(nc, hostId, cmd);
    assert.equal(first.ok, true, JSON.stringify(first));
    assert.equal(existsSync(marker), true);
    rmSync(marker);
    await refused(cmd, 'AGENT_REPLAYED');
    await auditOf(cmd.envelope.commandId, 'refused');
    await agent.stop();
    await agent.start(nc);
    await refused(cmd, 'AGENT_REPLAYED');
    assert.match(readFileSync(join(agent.stateDir, 'nonce-journal.jsonl'), 'utf8'), new RegExp(cmd.envelope.nonce));
    const refusals = audits.filter((a) => a.commandId === cmd.envelope.commandId && a.code === 'AGENT_REPLAYED');
    assert.ok(refusals.length >= 2, 'both replays audited');
  });

  it('agent - rotate-key: old and new key accepted during the overlap, then only the new', async () => {
    const next = consoleKey();
    const rotate = await send(nc, hostId, signed(key, envelope(hostId, 'rotate-key', { publicKey: next.publicPem, overlapSeconds: 2 })));
    assert.equal(rotate.ok, true, JSON.stringify(rotate));
    const echo = { argv: ['/bin/echo', 'x'] };
    assert.equal((await send(nc, hostId, signed(key, envelope(hostId, 'exec', echo)))).ok, true, 'old key still valid in overlap');
    assert.equal((await send(nc, hostId, signed(next, envelope(hostId, 'exec', echo)))).ok, true, 'new key valid');
    await new Promise((r) => setTimeout(r, 2_500));
    await refused(signed(key, envelope(hostId, 'exec', execTouch())), 'AGENT_UNKNOWN_KEY');
    await agent.stop();
    await agent.start(nc);
    await refused(signed(key, envelope(hostId, 'exec', execTouch())), 'AGENT_UNKNOWN_KEY');
    assert.equal((await send(nc, hostId, signed(next, envelope(hostId, 'exec', echo)))).ok, true, 'new key survives a restart');
  });

  it('agent - its audit journal is rotated and bounded by the MSEC_AGENT_AUDIT_* settings, newest events kept', async () => {
    const small = new AgentProcess(
      'sec-host-audit',
      '127.0.0.1',
      join(dir, 'agent-audit'),
      AgentProcess.writeKey(join(dir, 'console.pub'), key.publicPem),
      await nats.envFor(NatsRole.agent, 'sec-host-audit'),
    );
    small.env = { MSEC_AGENT_AUDIT_MAX_BYTES: '1024', MSEC_AGENT_AUDIT_KEEP_FILES: '2' };
    await small.start(nc);
    try {
      for (let i = 0; i < 40; i++) assert.equal((await send(nc, small.hostId, { envelope: { commandId: `c-${i}` } })).ok, false);
    } finally {
      await small.stop();
    }
    const files = readdirSync(small.stateDir)
      .filter((f) => f.startsWith('audit.'))
      .sort();
    assert.deepEqual(files, ['audit.1.jsonl', 'audit.2.jsonl', 'audit.jsonl']);
    for (const f of files) {
      assert.ok(statSync(join(small.stateDir, f)).size <= 1024, `${f} is within the limit`);
      assert.equal(statSync(join(small.stateDir, f)).mode & 0o777, 0o600, `${f} is private`);
    }
    const live = readFileSync(join(small.stateDir, 'audit.jsonl'), 'utf8').trim().split('\n');
    assert.equal((JSON.parse(live.at(-1)!) as AgentAuditEvent).commandId, 'c-39');
  });
});
