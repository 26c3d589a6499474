import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { MonitorSubjects, type TotalsReply, NatsRole } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, type NatsTestServer } from '@msec/testing';
import { eventually, freshDataDir, spawnMonitor } from './support/monitor-harness.js';
import { MonitorReporter } from './support/sdk-monitor.js';

const SERVICE = 'Crash.counter';

function snapshotSeq(dir: string): number {
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) return 0;
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { streamSeq: Record<string, number> }).streamSeq.all ?? 0;
}

describe('monitor crash recovery', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let dataDir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    dataDir = freshDataDir();
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await nc?.close();
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('monitor - after SIGKILL while reports flow, minute totals equal what was reported (nothing lost, nothing counted twice)', async () => {
    const env = {
      ...(await nats.envFor(NatsRole.monitor)),
      MSEC_DATA_DIR: dataDir,
      MSEC_MONITOR_SNAPSHOT_MS: '250',
      MSEC_MONITOR_ALARM_INTERVAL_MS: '0',
    };
    const first = await spawnMonitor(nc, env);
    children.push(first.child);

    const reporters = ['10.1.0.1', '10.1.0.2'].map((host) => new MonitorReporter({ nc, service: SERVICE, host, flushIntervalMs: 100 }));
    const startedAt = Date.now();
    let reported = 0;
    let flowing = true;
    const flow = (async () => {
      let i = 0;
      while (flowing) {
        const r = reporters[i++ % reporters.length]!;
        const n = 1 + (i % 7);
        r.add('orders', n);
        reported += n;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();

    const snapshot = join(dataDir, 'monitor', 'shard-0-of-1');
    await eventually(async () => (snapshotSeq(snapshot) > 5 ? true : undefined), 10_000, 'a snapshot covering some batches');
    await new Promise((r) => setTimeout(r, 180)); // land the kill between two snapshots, with batches applied after the last one
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const seqAtCrash = snapshotSeq(snapshot);

    await new Promise((r) => setTimeout(r, 600)); // reports keep flowing into the stream while the monitor is down
    const second = await spawnMonitor(nc, env);
    children.push(second.child);
    await new Promise((r) => setTimeout(r, 400));
    flowing = false;
    await flow;
    for (const r of reporters) await r.close();
    assert.equal(
      reporters.reduce((n, r) => n + r.stats().dropped, 0),
      0,
    );

    // Reports may straddle midnight (UTC): add up every day they can fall on.
    const days = [...new Set([new Date(startedAt).toISOString().slice(0, 10), new Date().toISOString().slice(0, 10)])];
    const total = async (): Promise<number> => {
      let sum = 0;
      for (const day of days) {
        const reply = await natsRequest<TotalsReply>(nc, MonitorSubjects.totals, { service: SERVICE, day });
        sum += reply.totals.find((t) => t.attr === 'orders')?.value ?? 0;
      }
      return sum;
    };
    await eventually(async () => ((await total()) === reported ? true : undefined), 10_000, `total ${reported}`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await total(), reported, 'still equal: no batch applied twice');
    assert.ok(seqAtCrash > 0);
    assert.match(second.output(), /restored \d+ day\(s\) of \d+ series/);

    // Shut down cleanly too: the final snapshot lets a third start replay nothing old.
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    const third = await spawnMonitor(nc, env);
    children.push(third.child);
    await new Promise((r) => setTimeout(r, 500)); // room for any wrongful replay to show
    assert.equal(await total(), reported);
    third.child.kill('SIGTERM');
    await new Promise((r) => third.child.once('exit', r));
  });
});
