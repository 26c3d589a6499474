import { cpus } from 'node:os';

/** What one scenario reports; the runner adds nothing but collects these. */
export interface BenchResult {
  scenario: string;
  description: string;
  opsPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  ops: number;
  durationMs: number;
  node: string;
  cpu: string;
  cores: number;
}

/** Runs `op` with `concurrency` calls in flight for `durationMs` after a warm-up, and measures each call. */
export async function measure(
  op: () => Promise<unknown>,
  options: { concurrency: number; durationMs: number; warmupMs: number },
): Promise<{ ops: number; elapsedMs: number; latencies: Float64Array }> {
  const run = async (ms: number, record: boolean): Promise<{ ops: number; elapsedMs: number; latencies: number[] }> => {
    const latencies: number[] = [];
    let ops = 0;
    const start = performance.now();
    const end = start + ms;
    const worker = async (): Promise<void> => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await op();
        ops++;
        // Every call is timed, but keep at most ~1M samples to bound memory.
        if (record && latencies.length < 1_000_000) latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return { ops, elapsedMs: performance.now() - start, latencies };
  };
  await run(options.warmupMs, false);
  const r = await run(options.durationMs, true);
  return { ops: r.ops, elapsedMs: r.elapsedMs, latencies: Float64Array.from(r.latencies).sort() };
}

/** Runs a synchronous op in a tight loop for `durationMs` (no per-op latency: too small to time). */
export function measureSync(op: () => void, durationMs: number): { ops: number; elapsedMs: number } {
  for (let i = 0; i < 10_000; i++) op();
  let ops = 0;
  const start = performance.now();
  const end = start + durationMs;
  while (performance.now() < end) {
    for (let i = 0; i < 1_000; i++) op();
    ops += 1_000;
  }
  return { ops, elapsedMs: performance.now() - start };
}

function quantile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Builds the result record and prints it as the process's last line, which the runner reads. */
export function report(scenario: string, description: string, m: { ops: number; elapsedMs: number; latencies?: Float64Array }): void {
  const cpu = cpus();
  const result: BenchResult = {
    scenario,
    description,
    opsPerSec: Math.round((m.ops * 1000) / m.elapsedMs),
    p50Ms: m.latencies ? round(quantile(m.latencies, 0.5)) : null,
    p99Ms: m.latencies ? round(quantile(m.latencies, 0.99)) : null,
    ops: m.ops,
    durationMs: Math.round(m.elapsedMs),
    node: process.version,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 1000) / 1000;
}

/** Seconds each scenario measures for; BENCH_SECONDS overrides (the runner passes it on). */
export function benchSeconds(): number {
  const v = Number(process.env.BENCH_SECONDS ?? '3');
  return Number.isFinite(v) && v > 0 && v <= 60 ? v : 3;
}

/** Calls in flight in every pipelined scenario, the same for msec and its peers. */
export const PIPELINE_DEPTH = 64;
