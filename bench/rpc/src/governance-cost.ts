import { CircuitBreakers, RoutedClient, RpcClient, type RouteLike } from '@msec/rpc';
import { benchSeconds, measure, PIPELINE_DEPTH } from './bench-kit.js';
import { Echo } from './echo-service.js';
import { startChildServer } from './servers.js';

/**
 * The cost of traffic governance on the call path, side by side in one run: a RoutedClient calling an echo server
 * in its own process (64 in flight), plain, and with a rate limit on the server that is never reached and a circuit
 * breaker in the caller. Rounds alternate plain/governed; the median of each is compared. Prints a markdown table.
 * Usage: node bench/rpc/dist/src/governance-cost.js [rounds=5]   (BENCH_SECONDS=3 per round by default)
 */
const rounds = Math.max(1, Number(process.argv[2] ?? '5') || 5);

interface Round {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

async function round(governed: boolean): Promise<Round> {
  const server = await startChildServer(governed ? 'echo-limited' : 'echo');
  const route: RouteLike = { ip: '127.0.0.1', port: server.port, key: `127.0.0.1:${server.port}` };
  const client = new RoutedClient({
    router: { route: () => Promise.resolve(route), reportResult: () => undefined },
    client: new RpcClient({ caller: 'bench.Client' }),
    ...(governed ? { breakers: new CircuitBreakers() } : {}),
  });
  let seq = 0;
  const m = await measure(() => client.call('bench', Echo, { text: 'hello msec', seq: seq++ }), {
    concurrency: PIPELINE_DEPTH,
    durationMs: benchSeconds() * 1000,
    warmupMs: 500,
  });
  client.rpc.close();
  await server.stop();
  const at = (q: number): number => m.latencies[Math.min(m.latencies.length - 1, Math.floor(q * m.latencies.length))] ?? 0;
  return { opsPerSec: Math.round((m.ops / m.elapsedMs) * 1000), p50Ms: at(0.5), p99Ms: at(0.99) };
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
console.log(`| rate limit (not reached) + circuit breaker | ${g.opsPerSec.toLocaleString('en-US')} | ${fmt(g.p50Ms)} | ${fmt(g.p99Ms)} |`);
console.log(`ratio ${(g.opsPerSec / p.opsPerSec).toFixed(3)} (median of ${rounds} rounds each, alternating)`);
console.log(`plain: ${plain.map((r) => r.opsPerSec).join(', ')}; governed: ${governed.map((r) => r.opsPerSec).join(', ')}`);
