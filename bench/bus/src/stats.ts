import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Percentile of a sorted copy of `values` (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The machine a result was measured on. */
export function environment(): { node: string; cpu: string; cores: number; loadAvg1m: number } {
  return { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, loadAvg1m: Number(loadavg()[0]!.toFixed(1)) };
}

/** Runs `task(i)` for i in [0, n) with at most `window` in flight; resolves when all are done. */
export async function pool(n: number, window: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(window, n) }, async () => {
    while (next < n) await task(next++);
  });
  await Promise.all(lanes);
}

/** One scenario's output line, read by the runner. */
export function emit(result: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** User + system CPU time of a process, in µs (from /proc: clock ticks of 10 ms); 0 where /proc is missing. */
export function processCpuUs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}
