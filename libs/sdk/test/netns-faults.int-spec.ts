import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZkRouteWriter } from '@msec/nlb';
import { canMakeNetnsHosts, startNetnsHosts, startZooKeeper, TEMP_DIR_PREFIX, type InfraServer, type NetnsHosts } from '@msec/testing';
import { client, closeSharedRuntime, closeTelemetry } from '../src/index.js';
import { probeRoot as root } from './fixtures/probe-proto.js';

const SERVICE = 'Fault.mod_net';
const PORT = 7_700;
/** Added each way by a host's proxy while its link is bad. */
const DELAY_MS = 100;
const here = dirname(fileURLToPath(import.meta.url));
type ProbeClient = { who(request: { n: number }): Promise<{ host: string }> };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Whether the probe answers through the host's proxy (HTTP+JSON is served on the RPC port). */
const answersOn = async (host: string, port: number): Promise<boolean> =>
  fetch(`http://${host}:${port}/`, { signal: AbortSignal.timeout(500) }).then(
    () => true,
    () => false,
  );

/** Calls the service by name from eight workers until stopped, recording who answered each call and when. */
function load(probe: ProbeClient): {
  answers: Array<{ at: number; host: string }>;
  failures: Array<{ at: number; code: string }>;
  stop: () => Promise<void>;
} {
  const answers: Array<{ at: number; host: string }> = [];
  const failures: Array<{ at: number; code: string }> = [];
  let running = true;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        answers.push({ at: Date.now(), host: (await probe.who({ n: n++ })).host });
      } catch (error) {
        failures.push({ at: Date.now(), code: (error as { code?: string }).code ?? String(error) });
      }
      await sleep(2);
    }
  };
  const workers = Promise.all(Array.from({ length: 8 }, worker));
  return {
    answers,
    failures,
    stop: async () => {
      running = false;
      await workers;
    },
  };
}

describe(
  'sdk routing when a host drops off the network or its link turns bad (hosts in network namespaces)',
  { skip: !canMakeNetnsHosts() && 'needs root for network namespaces' },
  () => {
    let net: NetnsHosts;
    let zk: InfraServer;
    const instances: ChildProcess[] = [];
    /** Per host, the proxy its callers reach it through (SIGUSR1 adds DELAY_MS each way, SIGUSR2 takes it off). */
    const proxies: ChildProcess[] = [];
    const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}sdk-netns-`));
    const saved = { ...process.env };
    let probe: ProbeClient;

    const shareOf = (answers: Array<{ host: string }>, host: string): number =>
      answers.length === 0 ? 0 : answers.filter((a) => a.host === host).length / answers.length;

    before(async () => {
      net = startNetnsHosts(3);
      zk = await startZooKeeper();
      Object.assign(process.env, { MSEC_SERVICE: 'Fault.caller', MSEC_DATA_DIR: dir, MSEC_ZK_CONNECT: zk.url, MSEC_NATS_URL: '' });
      const writer = await ZkRouteWriter.open(zk.url);
      for (const host of net.hosts) {
        // The instance sees only its own namespace: no ZooKeeper or NATS of the test's (the test writes its route).
        const env = { ...process.env, MSEC_SERVICE: SERVICE, MSEC_ZK_CONNECT: '', MSEC_NATS_URL: '', MSEC_DATA_DIR: join(dir, host.name) };
        instances.push(
          host.spawn(process.execPath, [join(here, 'fixtures', 'netns-probe.js'), host.name, String(PORT + 1), '127.0.0.1'], env),
        );
        proxies.push(
          host.spawn(process.execPath, [join(here, 'fixtures', 'delay-proxy.js'), String(PORT), String(PORT + 1), String(DELAY_MS)], env),
        );
      }
      // Routed only once listening, as the agent enables an instance after it started.
      for (const host of net.hosts) {
        for (const deadline = Date.now() + 20_000; !(await answersOn(host.ip, PORT));) {
          if (Date.now() > deadline) throw new Error(`the probe on ${host.name} (${host.ip}:${PORT}) never answered`);
          await sleep(100);
        }
        await writer.putInstance(SERVICE, { ip: host.ip, port: PORT, weight: 1000, enabled: true });
      }
      await writer.close();
      probe = await client<ProbeClient>(SERVICE, 'nf.Probe', { proto: root, idempotent: ['who'] });
      const seen = new Set<string>();
      for (const deadline = Date.now() + 15_000; seen.size < 3 && Date.now() < deadline;)
        seen.add((await probe.who({ n: 0 }).catch(() => ({ host: '' }))).host);
      assert.equal(seen.size, 3, `every host answers before the faults (${[...seen].join(', ')})`);
    });

    after(async () => {
      for (const child of [...instances, ...proxies]) child.kill('SIGTERM');
      closeSharedRuntime();
      await closeTelemetry();
      await zk?.dispose();
      await net?.dispose();
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    });

    it("network faults - one host's link down under load: calls move to the other hosts at once, only the calls in flight and the probes of it fail; the host is used again when it returns", async () => {
      const cut = net.hosts[1]!;
      const run = load(probe);
      await sleep(1_000);
      const downAt = Date.now();
      cut.linkDown();
      await sleep(6_000);
      const upAt = Date.now();
      cut.linkUp();
      // An ejected instance is probed again after a back-off that doubled while it failed (at most 30 s).
      const back = () => run.answers.some((a) => a.at > upAt && a.host === cut.name);
      for (const deadline = Date.now() + 40_000; !back() && Date.now() < deadline;) await sleep(200);
      await sleep(1_000);
      await run.stop();
      const during = run.answers.filter((a) => a.at > downAt + 2_000 && a.at < upAt);
      const report = JSON.stringify({
        failures: run.failures.map((f) => `${f.at - downAt} ms ${f.code}`),
        answeredDuring: during.length,
        returnedAfterMs: (run.answers.find((a) => a.at > upAt && a.host === cut.name)?.at ?? NaN) - upAt,
      });
      console.log(`link down: ${report}`);
      // The calls in flight to the cut host time out (1 s); after that only the probes of it fail: each is a real call,
      // sent when its ejection (1 s, then 2 s, 4 s …) ends, so at most three in the 4 s it is down.
      const inFlight = run.failures.filter((f) => f.at - downAt < 1_500);
      const probes = run.failures.filter((f) => f.at - downAt >= 1_500);
      assert.ok(inFlight.length <= 8, `at most the 8 calls in flight fail when the link goes: ${report}`);
      assert.ok(probes.length <= 3, `afterwards only probes of the cut host fail: ${report}`);
      assert.ok(
        run.failures.every((f) => f.at - downAt < 8_000),
        `no failure once the host is back: ${report}`,
      );
      assert.ok(during.length > 500, `the other hosts answered the load: ${report}`);
      assert.equal(shareOf(during, cut.name), 0, `no call reached the cut host: ${report}`);
      assert.ok(back(), `the host is used again once its link is back: ${report}`);
    });

    it(`network faults - ${DELAY_MS} ms added delay and 5 % packet loss on one host: most traffic moves away, and back when the link heals`, async () => {
      const slow = net.hosts[2]!;
      const proxy = proxies[2]!;
      const run = load(probe);
      await sleep(3_000);
      const badAt = Date.now();
      proxy.kill('SIGUSR1');
      slow.dropShare(0.05);
      await sleep(8_000);
      const healAt = Date.now();
      proxy.kill('SIGUSR2');
      slow.dropShare(0);
      await sleep(12_000);
      await run.stop();
      const before = shareOf(
        run.answers.filter((a) => a.at < badAt),
        slow.name,
      );
      const bad = shareOf(
        run.answers.filter((a) => a.at > badAt + 3_000 && a.at < healAt),
        slow.name,
      );
      const healed = shareOf(
        run.answers.filter((a) => a.at > healAt + 6_000),
        slow.name,
      );
      const report = JSON.stringify({ before, bad, healed, failures: run.failures.length });
      console.log(`share of the slow host: ${report}`);
      assert.ok(before > 0.2, `before the fault it takes its share: ${report}`);
      assert.ok(bad < before / 3, `the slow, lossy host gets little of the traffic: ${report}`);
      assert.ok(healed > before / 2, `its traffic comes back once the link heals: ${report}`);
      assert.equal(run.failures.length, 0, `a slow link fails no call: ${report}`);
    });
  },
);
