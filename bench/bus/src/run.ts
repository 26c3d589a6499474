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

Command: \`cd /work/main && npx tsc -b bench/bus && node bench/bus/dist/src/run.js\` (one run on ${new Date().toISOString().slice(0, 10)}: both
scenarios, each in its own process; writes this section and \`bench/bus/results.json\`).
Node ${env.node}, CPU ${env.cpu} × ${env.cores}; nats-server and redis-server on the same machine (loopback), started by @msec/testing.
Load average (1 min) when each scenario finished: publish ${pub.loadAvg1m}, delay ${delay.loadAvg1m}. The machine is shared, so msg/s and
lateness move a lot between runs; the CPU time per message (time spent waiting for a core not counted) moves much less.

### Acknowledged publish (${pub.messages} messages per round, ${pub.rounds} rounds per path, ${pub.window} in flight, ${pub.bodyBytes}-byte JSON body)

The paths run in turn within each round (raw, bus, bus without publish index), so each bus round sits next to a raw round under
the same load. "vs raw" is the median over the rounds of bus msg/s ÷ raw msg/s of the same round, all in this one run; msg/s is the
median round. CPU µs are per publish, summed over all rounds: this process (client) and nats-server. The bus can beat raw
\`js.publish\`: it awaits acknowledgements on its own reply inbox (\`AckPublisher\`, same protocol) instead of nats.js's request
path, which builds two stack-capturing Errors and a timer per message (see docs/messaging.md, "Trace and backup").

| path | msg/s | vs raw | client CPU µs | nats-server CPU µs |
| --- | ---: | ---: | ---: | ---: |
| raw JetStream \`js.publish\` (msgID, no other headers) | ${pub.rawOpsPerSec} | 1.00 | ${pub.rawClientCpuUs} | ${pub.rawServerCpuUs} |
| \`MessageBus.publish\` (validation, headers, msgID, trace: publish index) | ${pub.busOpsPerSec} | ${pub.ratio} | ${pub.busClientCpuUs} | ${pub.busServerCpuUs} |
| \`MessageBus.publish\` with \`trace: { publish: false }\` | ${pub.busNoPublishTraceOpsPerSec} | ${pub.ratioNoPublishTrace} | ${pub.liteClientCpuUs} | ${pub.liteServerCpuUs} |

Per-round msg/s — raw: ${(pub.rawRates as unknown as number[]).join(', ')}; bus: ${(pub.busRates as unknown as number[]).join(', ')}; bus without publish index: ${(pub.liteRates as unknown as number[]).join(', ')}.

### End-to-end latency (${pub.e2eMessages} messages, one in flight: publish call → handler entry)

| path | p50 ms | p99 ms |
| --- | ---: | ---: |
| raw JetStream publish → pull consumer | ${pub.rawE2eP50Ms} | ${pub.rawE2eP99Ms} |
| \`MessageBus.publish\` → group subscription | ${pub.busE2eP50Ms} | ${pub.busE2eP99Ms} |

### Delayed delivery (${delay.messages} messages due over ${delay.spreadMs / 1000} s, DelayScheduler in its own process)

Lateness = handler entry − due time. "Dispatch" is the scheduler's share (publish to the message stream acknowledged). As in the
publish rounds, the path is warmed first (${delay.warmupMessages} delayed messages due over 1 s, not counted), since a deployed scheduler
runs for long: a cold scheduler and consumer process, still running unoptimised code, were up to 0.3–1.2 s late on their first
2–3 s of messages on this loaded machine.

| | p50 ms | p99 ms | max ms |
| --- | ---: | ---: | ---: |
| due → handler | ${delay.latenessP50Ms} | ${delay.latenessP99Ms} | ${delay.latenessMaxMs} |
| due → dispatched | ${delay.dispatchLatenessP50Ms} | ${delay.dispatchLatenessP99Ms} | |

Delivered before the due time: ${delay.early}. CPU µs per delayed message: scheduler ${delay.schedulerCpuUsPerMessage} (its whole life:
start-up, intake, index, dispatch, clean-up, over all ${delay.messages + delay.warmupMessages} messages), producer + consumer process ${delay.benchCpuUsPerMessage}, nats-server ${delay.natsCpuUsPerMessage},
redis-server ${delay.redisCpuUsPerMessage}.
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
// Tables aligned as the repository's prettier would, so the doc passes format:check.
const options = (await prettier.resolveConfig(docPath)) ?? {};
writeFileSync(docPath, await prettier.format(next, { ...options, parser: 'markdown' }));
process.stdout.write(`wrote ${docPath}\n`);
