// Runs each monitor scenario in its own process and writes bench/results/monitor-latest.json and bench/monitor/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { environment } from './stats.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const results: Record<string, unknown>[] = [];
for (const name of ['ingest', 'query']) {
  const script = fileURLToPath(new URL(`./${name}.bench.js`, import.meta.url));
  const out = execFileSync(process.execPath, ['--max-old-space-size=4096', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  const line = out.trim().split('\n').pop()!;
  results.push(JSON.parse(line) as Record<string, unknown>);
  process.stdout.write(`${line}\n`);
}
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(
  `${root}bench/results/monitor-latest.json`,
  JSON.stringify({ at: new Date().toISOString(), ...environment(), results }, null, 2),
);
const rows = results.flatMap((r) =>
  Object.entries(r)
    .filter(([k]) => !['node', 'cpu', 'cores', 'scenario'].includes(k))
    .map(([k, v]) => `| ${String(r.scenario)} | ${k} | ${String(v)} |`),
);
const env = environment();
writeFileSync(
  `${root}bench/monitor/RESULTS.md`,
  [
    `Node ${env.node}, ${env.cpu} (${env.cores} cores), ${new Date().toISOString()}`,
    '',
    '| scenario | metric | value |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n'),
);
