// Scale of the service tree: registers SERVICES services with INSTANCES_PER_SERVICE instances each through the registry
// (real ZooKeeper, NATS and registry process), then 100 callers (one ZooKeeper session each, as 100 business processes
// would have) watch one service and 9 others; every scale-in or scale-out of the watched service is timed from the
// request to each caller's route cache seeing it. Usage: node bench/registry/dist/src/route-propagation.js [SERVICES]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Component, NatsRole, RegistrySubjects, Subjects } from '@msec/contracts';
import { ZkRouteCache, parseZkAuth, type RouteInstance } from '@msec/nlb';
import { natsRequest } from '@msec/platform';
import { startNats, startZooKeeper, zooKeeperIdentities } from '@msec/testing';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const SERVICES = Number(process.argv[2] ?? 1_000);
const INSTANCES_PER_SERVICE = 10;
const CALLERS = 100;
const CHANGES = 20;
const CONCURRENCY = 16;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const name = (i: number): string => `Bench.s${String(i).padStart(4, '0')}`;
const address = (service: number, i: number): string => `10.${Math.floor(service / 250)}.${service % 250}.${i + 1}:9000`;

const [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
const ids = zooKeeperIdentities();
const dataDir = mkdtempSync(join(tmpdir(), 'msec-test-registry-bench-'));
const registry = spawn(process.execPath, [join(REPO, 'services', 'registry', 'dist', 'src', 'main.js')], {
  env: { ...process.env, ...(await nats.envFor(NatsRole.registry)), ...ids.registryEnv, MSEC_ZK_CONNECT: zk.url, MSEC_DATA_DIR: dataDir },
  stdio: 'ignore',
});
const nc = await nats.connect();
const callers: ZkRouteCache[] = [];
try {
  for (let i = 0; i < 200; i += 1) {
    if (
      await natsRequest(nc, Subjects.health(Component.registry), {}, 1000).then(
        () => true,
        () => false,
      )
    )
      break;
    await sleep(200);
  }
  // Registration: create and scale out every service, CONCURRENCY requests in flight.
  const registerStart = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let s = next++; s < SERVICES; s = next++) {
        await natsRequest(nc, RegistrySubjects.serviceCreate, { name: name(s), memo: 'bench' }, 30_000);
        const instances = Array.from({ length: INSTANCES_PER_SERVICE }, (_, i) => address(s, i));
        await natsRequest(nc, RegistrySubjects.scaleOut, { service: name(s), instances }, 30_000);
      }
    }),
  );
  const registerSeconds = (performance.now() - registerStart) / 1000;

  // Callers: each watches the target and 9 other services.
  const target = name(0);
  const auth = parseZkAuth(ids.reader);
  for (let c = 0; c < CALLERS; c += 1) {
    const cache = new ZkRouteCache({ connect: zk.url, auth });
    callers.push(cache);
    await cache.routes(target);
    for (let k = 1; k < 10; k += 1) await cache.routes(name((c * 7 + k * 13) % SERVICES));
  }

  // Changes: alternately disable and enable one instance of the target; time until each caller sees it.
  const delays: number[] = [];
  const enabledCount = (routes: readonly RouteInstance[]): number => routes.filter((r) => r.enabled).length;
  for (let round = 0; round < CHANGES; round += 1) {
    const disabling = round % 2 === 0;
    const want = disabling ? INSTANCES_PER_SERVICE - 1 : INSTANCES_PER_SERVICE;
    const t0 = performance.now();
    const seen = callers.map(
      (cache) =>
        new Promise<void>((done) => {
          const onChange = (service: string, routes: readonly RouteInstance[]): void => {
            if (service !== target || enabledCount(routes) !== want) return;
            delays.push(performance.now() - t0);
            cache.off('change', onChange);
            done();
          };
          cache.on('change', onChange);
        }),
    );
    await natsRequest(
      nc,
      disabling ? RegistrySubjects.scaleIn : RegistrySubjects.scaleOut,
      { service: target, instances: [address(0, 0)] },
      30_000,
    );
    await Promise.all(seen);
  }
  delays.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({
      services: SERVICES,
      instances: SERVICES * INSTANCES_PER_SERVICE,
      registerSeconds: +registerSeconds.toFixed(1),
      servicesPerSecond: +(SERVICES / registerSeconds).toFixed(1),
      callers: CALLERS,
      changes: CHANGES,
      propagationMs: { p50: +percentile(delays, 50).toFixed(1), p99: +percentile(delays, 99).toFixed(1), max: +delays.at(-1)!.toFixed(1) },
    })}\n`,
  );
} finally {
  for (const cache of callers) cache.close();
  await nc.close();
  registry.kill('SIGTERM');
  await new Promise((r) => registry.once('exit', r));
  await Promise.all([nats.dispose(), zk.dispose()]);
  rmSync(dataDir, { recursive: true, force: true });
}
