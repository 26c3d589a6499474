import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NatsConnection } from '@nats-io/transport-node';
import { Component, MonitorSubjects, Subjects, type CurveReply, type HealthReport, NatsRole } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, TEMP_DIR_PREFIX, type NatsTestServer } from '@msec/testing';
import { HOST_METRICS_SERVICE } from '../src/agent.runtime.js';
import { AgentProcess, consoleKey } from './helpers/agent-harness.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('agent host curves', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let dir: string;
  let monitor: ChildProcess;
  let agent: AgentProcess;

  before(async () => {
    nats = await startNats();
    dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}host-curves-`));
    nc = await nats.connect();
    monitor = spawn(process.execPath, [join(REPO, 'services', 'monitor', 'dist', 'src', 'main.js')], {
      env: { ...process.env, ...(await nats.envFor(NatsRole.monitor)), MSEC_DATA_DIR: dir, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i += 1) {
      const report = await natsRequest<HealthReport>(nc, Subjects.health(Component.monitor), {}, 1000).catch(() => undefined);
      if (report?.ready) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const keyFile = AgentProcess.writeKey(join(dir, 'console.pub'), consoleKey().publicPem);
    agent = new AgentProcess('curve-host', '127.0.0.41', join(dir, 'agent'), keyFile, await nats.envFor(NatsRole.agent, 'curve-host'), 300);
    await agent.start(nc);
  });

  after(async () => {
    await agent?.stop();
    monitor?.kill('SIGKILL');
    await nc?.close();
    await nats?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('agent - host CPU, load, memory and disk become per-minute curves of the host in the monitor', async () => {
    const seen: Record<string, number | undefined> = {};
    const attrs = ['host.cpu_pct', 'host.load1', 'host.mem_used_pct', 'host.disk_used_pct'];
    // The reporter flushes every 5 s; the curves must appear within about one interval.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && attrs.some((a) => seen[a] === undefined)) {
      for (const attr of attrs) {
        const curve = await natsRequest<CurveReply>(
          nc,
          MonitorSubjects.curve,
          { service: HOST_METRICS_SERVICE, attr, host: 'curve-host' },
          3000,
        );
        const value = curve.values.find((v) => v !== null);
        if (value !== null && value !== undefined) seen[attr] = value;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    for (const attr of attrs) assert.notEqual(seen[attr], undefined, `${attr} never reached the monitor`);
    assert.ok(seen['host.mem_used_pct']! > 0 && seen['host.mem_used_pct']! <= 100, `memory used ${seen['host.mem_used_pct']} %`);
    assert.ok(seen['host.disk_used_pct']! > 0 && seen['host.disk_used_pct']! <= 100);
  });
});
