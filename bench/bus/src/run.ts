// Runs each bus scenario in its own process, writes bench/bus/results.json and the "Message bus" section of docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { environment } from './stats.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const scenarios = ['publish', 'delay'];
const results: Array<Record<string, number | string | number[]>> = [];
for (const name of scenarios) {
  const script = fileURLToPath(new URL(`./${name}.bench.js`, import.meta.url));
  const out = execFileSync(process.execPath, [script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
    timeout: 300_000,
  });
  const line = out.trim().split('\n').pop()!;
  results.push(JSON.parse(line) as Record<string, number | string | number[]>);
  process.stdout.write(`${line}\n`);
}
// Formatted as the repository's prettier would, so the file passes format:check.
const prettier = await import('prettier');
const json = await prettier.format(JSON.stringify({ at: new Date().toISOString(), results }), { parser: 'json', printWidth: 140 });
writeFileSync(`${root}bench/bus/results.json`, json);

const env = environment();
const [pub, delay] = results as [Record<string, number>, Record<string, number>];
const section = `## Message bus

Command: \`cd /work/main && npx tsc -b bench/bus && node bench/bus/dist/src/run.js\` (run on ${new Date().toISOString().slice(0, 10)}).
Node ${env.node}, CPU ${env.cpu} × ${env.cores}; nats-server and redis-server on the same machine (loopback), started by @msec/testing.
Load average (1 min) when each scenario finished: publish ${pub.loadAvg1m}, delay ${delay.loadAvg1m} — the build machine is shared, so absolute
numbers move a lot between runs; the ratios come from adjacent rounds and are steadier.
Raw JSON: \`bench/bus/results.json\`.

### Acknowledged publish (${pub.messages} messages × ${pub.rounds} alternating rounds, ${pub.window} in flight, ${pub.bodyBytes}-byte JSON body; median round)

| path | msg/s | vs raw |
| --- | ---: | ---: |
| raw JetStream \`js.publish\` (msgID, no other headers) | ${pub.rawOpsPerSec} | 1.00 |
| \`MessageBus.publish\` (validation, headers, msgID, publish trace record) | ${pub.busOpsPerSec} | ${pub.ratio} |
| \`MessageBus.publish\` with \`trace: { publish: false }\` | ${pub.busNoPublishTraceOpsPerSec} | ${pub.ratioNoPublishTrace} |

### End-to-end latency (${pub.e2eMessages} messages, one in flight: publish call → handler entry)

| path | p50 ms | p99 ms |
| --- | ---: | ---: |
| raw JetStream publish → pull consumer | ${pub.rawE2eP50Ms} | ${pub.rawE2eP99Ms} |
| \`MessageBus.publish\` → group subscription | ${pub.busE2eP50Ms} | ${pub.busE2eP99Ms} |

### Delayed delivery (${delay.messages} messages due over ${delay.spreadMs / 1000} s, DelayScheduler in its own process)

Lateness = handler entry − due time. "Dispatch" is the scheduler's share (its publish to the message stream).

| | p50 ms | p99 ms | max ms |
| --- | ---: | ---: | ---: |
| due → handler | ${delay.latenessP50Ms} | ${delay.latenessP99Ms} | ${delay.latenessMaxMs} |
| due → dispatched | ${delay.dispatchLatenessP50Ms} | ${delay.dispatchLatenessP99Ms} | |

Delivered before the due time: ${delay.early}.
`;

const docPath = `${root}docs/BENCHMARKS.md`;
const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
const start = doc.indexOf('## Message bus');
let next: string;
if (start === -1) next = `${doc.trimEnd()}\n\n${section}`;
else {
  const end = doc.indexOf('\n## ', start + 1);
  next = doc.slice(0, start) + section + (end === -1 ? '' : doc.slice(end + 1));
}
writeFileSync(docPath, next.endsWith('\n') ? next : `${next}\n`);
process.stdout.write(`wrote ${docPath}\n`);
