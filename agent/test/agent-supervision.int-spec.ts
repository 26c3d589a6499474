import { NatsRole } from '@msec/contracts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { BROKEN_SERVER, buildPackage, freePort, GOOD_SERVER, nextAgentHeartbeat, startNats, type NatsTestServer } from '@msec/testing';
import { AgentProcess, consoleKey, envelope, send, signed, type ConsoleKey } from './helpers/agent-harness.js';

async function get(url: string): Promise<{ service: string; version: string; pid: number }> {
  const res = await fetch(url);
  return (await res.json()) as { service: string; version: string; pid: number };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (${String(lastError)})`);
}

describe('agent supervision', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let dir: string;
  let key: ConsoleKey;
  let agent: AgentProcess;
  const hostId = 'sup-host-1';
  const hostIp = '127.0.0.1';

  let bucket: ObjectStore;
  /** Puts a tarball into the Object Store the way the deploy service does; returns the install-package args. */
  const stored = async (name: string, version: string, bytes: Buffer, sha256: string) => {
    const object = `${name}/${version}.tar.gz`;
    await bucket.putBlob({ name: object }, bytes);
    return { name, version, bucket: 'msec_packages', object, sha256, size: bytes.length };
  };
  const run = async (type: string, args: Record<string, string | number | Record<string, string>>) => {
    const reply = await send(nc, hostId, signed(key, envelope(hostId, type, args)), 20_000);
    return reply;
  };

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    bucket = await new Objm(nc).create('msec_packages');
    dir = mkdtempSync(join(tmpdir(), 'msec-agent-sup-'));
    key = consoleKey();
    agent = new AgentProcess(
      hostId,
      hostIp,
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

  it('agent - installs a package from the Object Store (sha256 checked), starts it, restarts it after a crash and stops it gracefully', async () => {
    const pkg = buildPackage('echo-svc', '1.0.0', GOOD_SERVER);
    const installed = await run('install-package', await stored('echo-svc', '1.0.0', pkg.bytes, pkg.sha256));
    assert.equal(installed.ok, true, JSON.stringify(installed));
    const config = await run('put-file', {
      path: 'echo-svc/config.json',
      contentBase64: Buffer.from('{"greeting":"hi"}').toString('base64'),
    });
    assert.equal(config.ok, true, JSON.stringify(config));

    const port = await freePort();
    const started = await run('start-instance', {
      name: 'echo-1',
      service: 'Demo.echo',
      package: 'echo-svc',
      version: '1.0.0',
      port,
      configFile: 'echo-svc/config.json',
    });
    assert.equal(started.ok, true, JSON.stringify(started));
    const first = await get(`http://${hostIp}:${port}/`);
    assert.equal(first.service, 'Demo.echo');
    assert.equal(first.version, '1.0.0');

    process.kill(first.pid, 'SIGKILL');
    const second = await eventually('restart after crash', async () => {
      const body = await get(`http://${hostIp}:${port}/`);
      return body.pid !== first.pid ? body : undefined;
    });
    assert.notEqual(second.pid, first.pid);
    const hb = await eventually('heartbeat shows the restart', async () => {
      const beat = await nextAgentHeartbeat(nc, hostId);
      return beat.instances.find((i) => i.name === 'echo-1' && i.restarts >= 1 && i.status === 'running') ? beat : undefined;
    });
    assert.ok(hb.metrics.memTotalBytes > 0);
    assert.ok(hb.metrics.diskTotalBytes > 0);

    await agent.stop();
    await assert.rejects(fetch(`http://${hostIp}:${port}/`), 'the agent stops its instances when it stops');
    await agent.start(nc);
    const restored = await eventually('instance restored after agent restart', () => get(`http://${hostIp}:${port}/`));
    assert.equal(restored.version, '1.0.0');

    const stopped = await run('stop-instance', { name: 'echo-1' });
    assert.equal(stopped.ok, true, JSON.stringify(stopped));
    await assert.rejects(fetch(`http://${hostIp}:${port}/`));
    assert.ok(existsSync(join(agent.stateDir, 'logs', 'echo-1', 'stderr.log')));
    assert.match(readFileSync(join(agent.stateDir, 'logs', 'echo-1', 'stderr.log'), 'utf8'), /exited/);
  });

  it('agent - a package that cannot start fails start-instance with the reason', async () => {
    const pkg = buildPackage('broken-svc', '1.0.0', BROKEN_SERVER);
    assert.equal((await run('install-package', await stored('broken-svc', '1.0.0', pkg.bytes, pkg.sha256))).ok, true);
    const port = await freePort();
    const started = await run('start-instance', {
      name: 'broken-1',
      service: 'Demo.broken',
      package: 'broken-svc',
      version: '1.0.0',
      port,
      healthTimeoutMs: 3000,
    });
    assert.equal(started.ok, false);
    if (!started.ok) assert.match(started.reason, /exited \(code 3\) before it accepted connections/);
  });

  it('agent - refuses a tampered package object with the reason, audits the refusal and installs nothing', async () => {
    const pkg = buildPackage('tamper-svc', '1.0.0', GOOD_SERVER);
    const args = await stored('tamper-svc', '1.0.0', pkg.bytes, pkg.sha256);
    // someone with write access to the bucket swaps the object after the console signed its checksum
    const evil = buildPackage('tamper-svc', '1.0.0', `${GOOD_SERVER}\nconsole.log('injected');\n`);
    await bucket.putBlob({ name: args.object }, evil.bytes);
    const reply = await run('install-package', args);
    assert.equal(reply.ok, false);
    if (!reply.ok) {
      assert.equal(reply.code, 'AGENT_PACKAGE_CHECKSUM_MISMATCH');
      assert.match(
        reply.reason,
        new RegExp(
          `the signed command says ${pkg.bytes.length} bytes, sha256 ${pkg.sha256}: the stored object was changed, nothing installed`,
        ),
      );
    }
    assert.equal(existsSync(join(agent.stateDir, 'packages', 'tamper-svc')), false, 'nothing was unpacked');
    const audit = readFileSync(join(agent.stateDir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; outcome: string; code: string });
    assert.deepEqual(
      audit.filter((a) => a.type === 'install-package' && a.code === 'AGENT_PACKAGE_CHECKSUM_MISMATCH').map((a) => a.outcome),
      ['refused'],
    );
    const missing = await run('install-package', { ...args, object: 'tamper-svc/none.tar.gz' });
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.equal(missing.code, 'AGENT_PACKAGE_NOT_FOUND');
  });

  it('agent - refuses paths outside its folder', async () => {
    const reply = await run('put-file', { path: '../../etc/evil', contentBase64: 'eA==' });
    assert.equal(reply.ok, false);
    if (!reply.ok) assert.equal(reply.code, 'AGENT_BAD_ARGS');
  });
});
