import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RoutedClient } from '@msec/rpc';
import { freePort, startZooKeeper, type InfraServer } from '@msec/testing';
import { Nlb, ZkRouteCache, ZkRouteWriter, type Route } from '../src/index.js';
import { Echo, Write } from './fixtures/methods.js';

const SERVICE = 'Route.mod_echo';
const instanceScript = fileURLToPath(new URL('./fixtures/echo-instance.js', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface LoadResult {
  ok: number;
  failed: number;
  byPort: Map<number, number>;
  errors: Map<string, number>;
}

describe('routing over real instances', () => {
  let zk: InfraServer;
  let writer: ZkRouteWriter;
  let cache: ZkRouteCache;
  let routed: RoutedClient<Route>;
  let dir: string;
  const ports: number[] = [];
  const children = new Map<number, ChildProcess>();

  const spawnInstance = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = fork(instanceScript, [zk.url, SERVICE, String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.set(port, child);
      const timer = setTimeout(() => reject(new Error(`instance ${port} not ready in 15 s`)), 15_000);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', reject);
    });

  const kill = (port: number): Promise<void> =>
    new Promise((resolve) => {
      const child = children.get(port)!;
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });

  /** `concurrency` callers in a loop for `ms`, counting outcomes. */
  const load = async (method: typeof Echo | typeof Write, ms: number, concurrency = 8): Promise<LoadResult> => {
    const result: LoadResult = { ok: 0, failed: 0, byPort: new Map(), errors: new Map() };
    const end = performance.now() + ms;
    let n = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          try {
            const reply = await routed.call(SERVICE, method, { n: n++ });
            result.ok++;
            result.byPort.set(reply.port, (result.byPort.get(reply.port) ?? 0) + 1);
          } catch (error) {
            result.failed++;
            // Code and message, so a failure shows which instance failed and how.
            const { code, message } = error as { code?: string; message?: string };
            const what = `${code ?? 'no code'}: ${message ?? String(error)}`;
            result.errors.set(what, (result.errors.get(what) ?? 0) + 1);
          }
        }
      }),
    );
    return result;
  };

  /** Polls the cache until a condition holds; returns how long it took. */
  const within = async (check: () => boolean, ms: number): Promise<number> => {
    const t0 = performance.now();
    while (!check()) {
      if (performance.now() - t0 > ms) throw new Error(`condition not met within ${ms} ms`);
      await sleep(5);
    }
    return performance.now() - t0;
  };

  before(async () => {
    zk = await startZooKeeper();
    dir = mkdtempSync(join(tmpdir(), 'msec-test-routing-'));
    writer = await ZkRouteWriter.open(zk.url);
    await writer.createService(SERVICE);
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      ports.push(port);
      await writer.putInstance(SERVICE, { ip: '127.0.0.1', port, weight: 1000, enabled: true });
    }
    await Promise.all(ports.map(spawnInstance));
    cache = new ZkRouteCache({ connect: zk.url, snapshotFile: join(dir, 'routes.json') });
    const nlb = new Nlb({ routes: cache, adaptive: { baseEjectMs: 300, recoveryMs: 1_000 } });
    routed = new RoutedClient({ router: nlb, client: { caller: 'route.Tester', timeoutMs: 3_000, connectTimeoutMs: 500 } });
    await within(() => (cache.cached(SERVICE) ?? []).filter((i) => i.live).length === 3 || (void cache.routes(SERVICE), false), 10_000);
  });

  after(async () => {
    routed.close();
    cache.close();
    writer.close();
    await Promise.all(ports.map(kill));
    await zk.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('routing - spreads calls over the three live instances', async () => {
    const r = await load(Echo, 1_000);
    assert.equal(r.failed, 0, JSON.stringify([...r.errors]));
    for (const port of ports) assert.ok((r.byPort.get(port) ?? 0) > r.ok * 0.15, `port ${port} got ${r.byPort.get(port) ?? 0} of ${r.ok}`);
  });

  it('routing - a scale-in and a scale-out reach the caller within 1 s', async () => {
    const enabled = (port: number): boolean | undefined => cache.cached(SERVICE)?.find((i) => i.port === port)?.enabled;
    await writer.setEnabled(SERVICE, `127.0.0.1:${ports[2]}`, false);
    const inMs = await within(() => enabled(ports[2]!) === false, 1_000);
    const r = await load(Echo, 300);
    assert.equal(r.byPort.get(ports[2]!), undefined, 'no calls to a scaled-in instance');
    await writer.setEnabled(SERVICE, `127.0.0.1:${ports[2]}`, true);
    const outMs = await within(() => enabled(ports[2]!) === true, 1_000);
    assert.ok(inMs < 1_000 && outMs < 1_000, `scale in ${inMs.toFixed(0)} ms, out ${outMs.toFixed(0)} ms`);
  });

  it('routing - ZooKeeper stopped mid-load: calls keep succeeding, and routes re-sync after it restarts', async () => {
    const running = load(Echo, 2_500);
    await sleep(500);
    await zk.stop();
    const r = await running;
    assert.equal(r.failed, 0, JSON.stringify([...r.errors]));
    assert.ok(r.ok > 100);
    await zk.start();
    await writer.setWeight(SERVICE, `127.0.0.1:${ports[1]}`, 5_000);
    await within(() => cache.cached(SERVICE)?.find((i) => i.port === ports[1])?.weight === 5_000, 15_000);
    await writer.setWeight(SERVICE, `127.0.0.1:${ports[1]}`, 1_000);
  });

  it('routing - SIGKILL one instance under load: no idempotent call fails, under 1 % of the others do, and traffic returns after restart', async () => {
    const victim = ports[0]!;
    const idempotent = load(Echo, 5_000, 6);
    const plain = load(Write, 5_000, 6);
    await sleep(300);
    await kill(victim);
    const [e, w] = await Promise.all([idempotent, plain]);
    assert.equal(e.failed, 0, `idempotent failures: ${JSON.stringify([...e.errors])}`);
    const rate = w.failed / (w.ok + w.failed);
    assert.ok(
      rate < 0.01,
      `non-idempotent failure rate ${(rate * 100).toFixed(2)} % (${JSON.stringify([...w.errors])} of ${w.ok + w.failed})`,
    );

    await spawnInstance(victim);
    const t0 = performance.now();
    let back = 0;
    while (back === 0 && performance.now() - t0 < 10_000) back = (await load(Echo, 300)).byPort.get(victim) ?? 0;
    assert.ok(back > 0, 'the restarted instance gets traffic again');
  });
});
