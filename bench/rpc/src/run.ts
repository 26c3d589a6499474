import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { format } from 'prettier';
import type { BenchResult } from './bench-kit.js';

/**
 * Runs every `*.bench.js` beside this file, each in its own process, one after another (the machine has two
 * cores; scenarios must not compete). Writes bench/results/rpc-latest.json and the "## RPC" section of docs/BENCHMARKS.md.
 * Usage: node bench/rpc/dist/src/run.js [name-filter]   (BENCH_SECONDS=3 by default)
 */
const here = dirname(fileURLToPath(import.meta.url));
const benchDir = join(here, '..', '..');
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js') && (filter === undefined || f.includes(filter)))
  .sort();

// The build machines are shared and 2-core: one run of a scenario can be several times slower than the next.
// Each scenario runs `repeat` times and the median run (by calls/s) is kept.
const repeat = Math.max(1, Math.min(9, Number(process.env.BENCH_REPEAT ?? '3') || 3));
const loadBefore = loadavg()[0]!;
const results: BenchResult[] = [];
for (const file of files) {
  process.stderr.write(`bench ${file} …`);
  const runs: BenchResult[] = [];
  for (let i = 0; i < repeat; i++) {
    const run = spawnSync(process.execPath, [join(here, file)], { encoding: 'utf8', timeout: 120_000, env: process.env });
    const last = run.stdout.trim().split('\n').pop() ?? '';
    try {
      const result = JSON.parse(last) as BenchResult;
      runs.push(result);
      process.stderr.write(` ${result.opsPerSec}`);
    } catch {
      process.stderr.write(` failed (exit ${String(run.status)})\n${run.stderr}\n`);
      process.exitCode = 1;
    }
  }
  runs.sort((a, b) => a.opsPerSec - b.opsPerSec);
  const median = runs[Math.floor(runs.length / 2)];
  if (median !== undefined) results.push({ ...median, description: `${median.description} (median of ${runs.length})` });
  process.stderr.write(' ops/s\n');
}

const fmt = (v: number | null): string => (v === null ? '–' : v.toFixed(3));
const by = (name: string): BenchResult | undefined => results.find((r) => r.scenario === name);
const ratio = (a: string, b: string, as: 'pct' | 'x'): string => {
  const x = by(a)?.opsPerSec;
  const y = by(b)?.opsPerSec;
  if (x === undefined || y === undefined || y === 0) return 'n/a';
  return as === 'pct' ? `${((100 * x) / y).toFixed(0)} %` : `${(x / y).toFixed(1)}×`;
};
const first = results[0];
const pick = by('nlb-pick');
const section = [
  '## RPC',
  '',
  `Command: \`npx tsc -b bench/rpc && node bench/rpc/dist/src/run.js\` (BENCH_SECONDS=${process.env.BENCH_SECONDS ?? '3'} per run, median of ${repeat} runs per scenario).`,
  `Node ${first?.node ?? process.version}, ${first?.cpu ?? 'unknown CPU'} × ${first?.cores ?? '?'}, ${new Date().toISOString()}; 1-minute load average ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after (a shared machine is noisy: compare rows of one run, not runs).`,
  'Client and server run in separate processes on loopback (the nlb and codec rows run in one process); one scenario at a time.',
  '',
  '| scenario | calls/s | p50 ms | p99 ms | what |',
  '| --- | ---: | ---: | ---: | --- |',
  ...results.map(
    (r) => `| ${r.scenario} | ${r.opsPerSec.toLocaleString('en-US')} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${r.description} |`,
  ),
  '',
  `- msec echo vs raw TCP echo: ${ratio('echo-pipelined', 'raw-tcp-echo', 'pct')} (target ≥ 50 %)`,
  `- msec echo vs NestJS NATS: ${ratio('echo-pipelined', 'nest-nats', 'x')} (target ≥ 5×)`,
  `- msec echo vs gRPC unary: ${ratio('echo-pipelined', 'grpc-unary', 'x')} (target > 1×)`,
  `- route pick: ${pick === undefined ? 'n/a' : `${(1e9 / pick.opsPerSec).toFixed(0)} ns/op`} (target < 1 µs); pick + report: ${by('nlb-pick-report') === undefined ? 'n/a' : `${(1e9 / by('nlb-pick-report')!.opsPerSec).toFixed(0)} ns/op`}`,
  '',
].join('\n');
const resultsDir = join(benchDir, '..', 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'rpc-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
if (filter === undefined)
  writeSection(join(benchDir, '..', '..', 'docs', 'BENCHMARKS.md'), await format(section, { parser: 'markdown', printWidth: 140 }));
process.stdout.write(section);

/** Replaces the "## RPC" section of the benchmarks page (up to the next "## "), leaving the others alone. */
function writeSection(file: string, text: string): void {
  let page = '# Benchmarks\n\n';
  try {
    page = readFileSync(file, 'utf8');
  } catch {
    // First run: the page is created.
  }
  const lines = page.split('\n');
  const start = lines.findIndex((l) => l.trim() === '## RPC');
  if (start < 0) {
    page = `${page.trimEnd()}\n\n${text}`;
  } else {
    let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    if (end < 0) end = lines.length;
    page = [...lines.slice(0, start), ...text.trimEnd().split('\n'), '', ...lines.slice(end)].join('\n');
  }
  writeFileSync(file, page.endsWith('\n') ? page : `${page}\n`);
}
