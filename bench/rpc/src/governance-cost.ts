import { CircuitBreakers, parseTrafficPolicy, RoutedClient, RoutingRules, RpcClient, type RouteLike } from '@msec/rpc';
import { benchSeconds, measure, PIPELINE_DEPTH } from './bench-kit.js';
import { Echo } from './echo-service.js';
import { startChildServer } from './servers.js';

/**
 * The cost of traffic governance on the call path, side by side in one run: a RoutedClient calling an echo server
 * in its own process (64 in flight), plain, and with a rate limit on the server that is never reached, a circuit
 * breaker in the caller and three routing rules of the callee evaluated for every request (by caller, by a field's
 * values, by a field's hash percent), none of which matches, as for most requests of a gray release. Rounds alternate plain/governed; the median of each is compared. Prints a markdown table.
 * Usage: node bench/rpc/dist/src/governance-cost.js [rounds=5]   (BENCH_SECONDS=3 per round by default)
 */
const rounds = Math.max(1, Number(process.argv[2] ?? '5') || 5);

interface Round {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU µs of the calling process per call: steadier than calls/s on a shared machine. */
  clientCpuUs: number;
}

/** The callee's routing rules: none matches the bench's requests (every rule is tried on each call). */
const rules = RoutingRules.of(
  parseTrafficPolicy({
    version: 1,
    limits: [],
    routes: [
      { id: 'from-hotel', tag: 'v2', caller: 'Hotel.mod_hotel' },
      { id: 'beta-users', tag: 'v2', field: 'text', values: ['bison', 'ant'] },
      { id: 'some-users', tag: 'v2', field: 'text', percent: 1 },
    ],
  }).routes,
);
if (rules.tagFor('bench.Client', { text: 'hello msec' }) !== undefined) throw new Error('a bench rule matches: pick another');

async function round(governed: boolean): Promise<Round> {
  const server = await startChildServer(governed ? 'echo-limited' : 'echo');
  const route: RouteLike = { ip: '127.0.0.1', port: server.port, key: `127.0.0.1:${server.port}` };
  const client = new RoutedClient({
    router: { route: () => Promise.resolve(route), reportResult: () => undefined },
    client: new RpcClient({ caller: 'bench.Client' }),
    ...(governed ? { breakers: new CircuitBreakers() } : {}),
  });
  let seq = 0;
  const call = governed
    ? () => {
        const request = { text: 'hello msec', seq: seq++ };
        const tag = rules.tagFor('bench.Client', request);
        return client.call('bench', Echo, request, tag === undefined ? undefined : { tag });
      }
    : () => client.call('bench', Echo, { text: 'hello msec', seq: seq++ });
  const cpu0 = process.cpuUsage();
  const m = await measure(call, {
    concurrency: PIPELINE_DEPTH,
    durationMs: benchSeconds() * 1000,
    warmupMs: 500,
  });
  const cpu = process.cpuUsage(cpu0);
  client.rpc.close();
  await server.stop();
  const at = (q: number): number => m.latencies[Math.min(m.latencies.length - 1, Math.floor(q * m.latencies.length))] ?? 0;
  // The warm-up's calls are in the CPU figure too: its share is small and the same on both sides.
  return {
    opsPerSec: Math.round((m.ops / m.elapsedMs) * 1000),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    clientCpuUs: (cpu.user + cpu.system) / m.ops,
  };
}

const plain: Round[] = [];
const governed: Round[] = [];
for (let i = 0; i < rounds; i++) {
  plain.push(await round(false));
  governed.push(await round(true));
}
const median = (rs: Round[]): Round => [...rs].sort((a, b) => a.opsPerSec - b.opsPerSec)[rs.length >> 1]!;
const p = median(plain);
const g = median(governed);
const fmt = (n: number): string => n.toFixed(3);
console.log(`| path | calls/s | p50 ms | p99 ms |`);
console.log(`| --- | --- | --- | --- |`);
console.log(`| plain routed call | ${p.opsPerSec.toLocaleString('en-US')} | ${fmt(p.p50Ms)} | ${fmt(p.p99Ms)} |`);
console.log(
  `| rate limit (not reached) + circuit breaker + 3 routing rules (none matching) | ${g.opsPerSec.toLocaleString('en-US')} | ${fmt(g.p50Ms)} | ${fmt(g.p99Ms)} |`,
);
console.log(`ratio ${(g.opsPerSec / p.opsPerSec).toFixed(3)} (median of ${rounds} rounds each, alternating)`);
const cpuMedian = (rs: Round[]): number => [...rs].map((r) => r.clientCpuUs).sort((a, b) => a - b)[rs.length >> 1]!;
console.log(
  `caller CPU per call: plain ${cpuMedian(plain).toFixed(2)} µs, governed ${cpuMedian(governed).toFixed(2)} µs (${(cpuMedian(governed) / cpuMedian(plain)).toFixed(3)}×)`,
);
console.log(`plain: ${plain.map((r) => r.opsPerSec).join(', ')}; governed: ${governed.map((r) => r.opsPerSec).join(', ')}`);
