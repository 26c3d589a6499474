// Logs benchmark (run on demand, never part of `./msec test`):
//   cd /work/main && npx tsc -b bench/log && node bench/log/dist/log.bench.js [lines]
// 1. SDK → JetStream: lines/s the SDK logger publishes (one JetStream message per line, acked).
// 2. JetStream → MariaDB: lines/s the log service (spawned as `node services/log/dist/src/main.js`) stores.
// 3. Query latency over NATS with every line stored, per filter, p50/p99 of 30 runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { createConnection } from 'mysql2/promise';
import {
  LOG_INGEST_CONSUMER,
  LOG_INGEST_STREAM,
  LOG_LEVEL_NAMES,
  LogSubjects,
  type LogLine,
  type LogPage,
  type LogQuery,
  NatsRole,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startMariaDb, startNats } from '@msec/testing';
import * as sdk from '@msec/sdk';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
/** `--no-queries`: publish and ingest only (quick iterations on ingest). */
const QUERIES = !process.argv.includes('--no-queries');
const ROOT = new URL('../../../', import.meta.url).pathname;
/** Extra node options for the spawned log service, e.g. `MSEC_BENCH_LOG_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"`. */
const SERVICE_NODE_ARGS = (process.env.MSEC_BENCH_LOG_NODE_ARGS ?? '').split(' ').filter(Boolean);

const SERVICES = 20;

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function line(i: number, base: number): LogLine {
  return {
    id: sdk.newLineId(base + Math.floor(i / 50)),
    ts: base + Math.floor(i / 50),
    level: LOG_LEVEL_NAMES[i % 97 === 0 ? 4 : i % 5 === 0 ? 1 : 2]!,
    service: `Svc${i % SERVICES}.mod_${i % SERVICES}`,
    host: `10.0.${i % 5}.${i % 50}`,
    instance: `10.0.${i % 5}.${i % 50}:${7000 + (i % 3)}`,
    traceId: `trace-${Math.floor(i / 10)}`,
    spanId: `span-${i}`,
    message: i % 1000 === 7 ? `upstream timeout after ${i % 300} ms` : `request handled for user u${i % 1000} in ${i % 300} ms`,
    fields: { user: `u${i % 1000}`, rpc: `Svc${i % SERVICES}.Method${i % 7}` },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); 0 when unknown. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function storedCount(dbUrl: string): Promise<number> {
  const connection = await createConnection(dbUrl);
  try {
    const [rows] = await connection.query('SELECT COUNT(*) AS n FROM log_line');
    return Number((rows as Array<{ n: number }>)[0]!.n);
  } finally {
    await connection.end();
  }
}

function startService(natsEnv: Record<string, string>, dbUrl: string, dataDir: string): ChildProcess {
  return spawn(process.execPath, [...SERVICE_NODE_ARGS, 'services/log/dist/src/main.js'], {
    cwd: ROOT,
    env: { ...process.env, ...natsEnv, MSEC_DB_URL: dbUrl, MSEC_DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

let spooledDuringPublish = 0;

async function publishAll(nc: NatsConnection, base: number, spoolDir: string): Promise<number> {
  const publishers = Array.from(
    { length: 4 },
    (_, k) =>
      new sdk.NatsBatchPublisher<LogLine>(
        { nc, subject: LogSubjects.ingestLines, spoolFile: join(spoolDir, `p${k}.jsonl`), batchSize: 500, publishTimeoutMs: 5000 },
        (l) => l.id,
      ),
  );
  const started = performance.now();
  let stalledSince = Date.now();
  for (let i = 0; i < TOTAL; i++) {
    publishers[i % publishers.length]!.push(line(i, base));
    if (i % 4000 === 3999) {
      for (;;) {
        const stats = await Promise.all(publishers.map((p) => p.stats()));
        if (stats.some((s) => s.dropped > 0)) throw new Error(`lines were dropped: ${JSON.stringify(stats)}`);
        if (Math.max(...stats.map((s) => s.buffered)) < 10_000) break;
        if (Date.now() - stalledSince > 30_000) throw new Error(`publishing stalled: ${JSON.stringify(stats)}`);
        if (Date.now() - stalledSince > 5_000 && Date.now() % 1000 < 10) process.stderr.write(`  waiting: ${JSON.stringify(stats)}\n`);
        await sleep(5);
      }
      stalledSince = Date.now();
      if ((i + 1) % 100_000 === 0)
        process.stderr.write(`  ${i + 1} lines, ${Math.round((i + 1) / ((performance.now() - started) / 1000))}/s\n`);
    }
  }
  // Under overload some acks time out and those lines go through the spool; they are re-sent (and de-duplicated).
  for (;;) {
    await Promise.all(publishers.map((p) => p.flush()));
    const stats = await Promise.all(publishers.map((p) => p.stats()));
    if (stats.every((s) => s.buffered === 0 && s.spoolBytes === 0)) break;
    await sleep(500);
  }
  await Promise.all(publishers.map((p) => p.close()));
  const seconds = (performance.now() - started) / 1000;
  const stats = await Promise.all(publishers.map((p) => p.stats()));
  spooledDuringPublish = stats.reduce((n, s) => n + s.spooled, 0);
  if (stats.some((s) => s.dropped > 0)) throw new Error(`lines were dropped: ${JSON.stringify(stats)}`);
  return TOTAL / seconds;
}

async function main(): Promise<void> {
  // Own folders (not the harness's msec-test-* temp folders) so a concurrent `msec test` sweep leaves them alone.
  const dataDir = mkdtempSync(join(tmpdir(), 'msec-bench-log-'));
  const [nats, mariadb] = await Promise.all([startNats({ dir: join(dataDir, 'nats') }), startMariaDb({ dir: join(dataDir, 'mariadb') })]);
  let service: ChildProcess | undefined;
  const nc = await nats.connect({ maxReconnectAttempts: -1 });
  try {
    // The service creates the stream and its tables, then stops so the stream can be filled first.
    service = startService(await nats.envFor(NatsRole.log), mariadb.url, dataDir);
    await waitHealthy(nc);
    service.kill('SIGTERM');
    await new Promise((resolve) => service!.once('exit', resolve));

    const base = Date.now() - 3600_000;
    process.stderr.write(`publishing ${TOTAL} lines…\n`);
    const publishRate = await publishAll(nc, base, dataDir);

    process.stderr.write('ingesting into MariaDB…\n');
    const t0 = performance.now();
    service = startService(await nats.envFor(NatsRole.log), mariadb.url, dataDir);
    const dbCpu0 = cpuSeconds(mariadb.pid);
    const natsCpu0 = cpuSeconds(nats.pid);
    // Poll the consumer (cheap) rather than COUNT(*) (an index scan that would slow the inserts being measured).
    // Messages carry many lines each: done when the consumer's ack floor reaches the stream's last message.
    const jsm = await jetstreamManager(nc);
    const lastSeq = (await jsm.streams.info(LOG_INGEST_STREAM)).state.last_seq;
    for (;;) {
      await sleep(200);
      const info = await jsm.consumers.info(LOG_INGEST_STREAM, LOG_INGEST_CONSUMER).catch(() => undefined);
      if (info && info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.stream_seq >= lastSeq) break;
    }
    const ingestCpu = {
      database: round(cpuSeconds(mariadb.pid) - dbCpu0),
      service: round(cpuSeconds(service.pid)),
      nats: round(cpuSeconds(nats.pid) - natsCpu0),
    };
    const stored = await storedCount(mariadb.url);
    if (stored !== TOTAL) throw new Error(`stored ${stored} lines, expected ${TOTAL}`);
    const ingestSeconds = (performance.now() - t0) / 1000;
    const ingestRate = TOTAL / ingestSeconds;

    process.stderr.write(`ingest: ${Math.round(ingestRate)} lines/s (${round(ingestSeconds)} s), CPU s: ${JSON.stringify(ingestCpu)}\n`);
    const queries: Array<[string, LogQuery]> = !QUERIES
      ? []
      : [
          ['newest 100, no filter', {}],
          ['service', { service: 'Svc7.mod_7' }],
          ['host', { host: '10.0.3.13' }],
          ['level ERROR', { levels: ['ERROR'] }],
          ['min level WARN + service', { minLevel: 'WARN', service: 'Svc3.mod_3' }],
          ['trace id', { traceId: `trace-${Math.floor(TOTAL / 20)}` }],
          ['field user = u123', { fields: [{ name: 'user', value: 'u123' }] }],
          ['field + service', { service: 'Svc3.mod_3', fields: [{ name: 'user', value: 'u123' }] }],
          ['text contains "timeout"', { text: 'timeout' }],
          ['time range (1 min, middle)', { from: base + TOTAL / 100, to: base + TOTAL / 100 + 60_000 }],
          ['service + text + time range', { service: 'Svc7.mod_7', text: 'timeout', from: base, to: base + TOTAL / 50 }],
        ];
    const results: Array<{ query: string; rows: number; p50: number; p99: number }> = [];
    for (const [name, query] of queries) {
      const times: number[] = [];
      let rows = 0;
      for (let run = 0; run < 30; run++) {
        const t = performance.now();
        const page = await natsRequest<LogPage>(nc, LogSubjects.query, { ...query, limit: 100 }, 30_000);
        times.push(performance.now() - t);
        rows = page.lines.length;
      }
      times.sort((a, b) => a - b);
      results.push({ query: name, rows, p50: round(quantile(times, 0.5)), p99: round(quantile(times, 0.99)) });
    }
    const report = {
      date: new Date().toISOString(),
      command: `node bench/log/dist/log.bench.js ${TOTAL}`,
      node: process.version,
      cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
      lines: TOTAL,
      publishLinesPerSecond: Math.round(publishRate),
      spooledAndResent: spooledDuringPublish,
      ingestLinesPerSecond: Math.round(ingestRate),
      ingestSeconds: round(ingestSeconds),
      // CPU seconds MariaDB and the log service used while ingesting: less sensitive to a shared machine than the rate.
      ingestCpuSeconds: ingestCpu,
      ingestCpuMicrosPerLine: {
        database: round((ingestCpu.database * 1e6) / TOTAL),
        service: round((ingestCpu.service * 1e6) / TOTAL),
        nats: round((ingestCpu.nats * 1e6) / TOTAL),
      },
      queries: results,
    };
    if (QUERIES) writeFileSync(join(ROOT, 'bench/log/results.json'), JSON.stringify(report, null, 2) + '\n');
    const table = [
      `| query (limit 100, ${TOTAL.toLocaleString('en')} lines stored) | rows | p50 ms | p99 ms |`,
      '| --- | ---: | ---: | ---: |',
      ...results.map((r) => `| ${r.query} | ${r.rows} | ${r.p50} | ${r.p99} |`),
    ].join('\n');
    process.stdout.write(`${JSON.stringify({ ...report, queries: undefined })}\n\n${table}\n`);
  } finally {
    service?.kill('SIGTERM');
    if (service && service.exitCode === null) await new Promise((resolve) => service!.once('exit', resolve));
    await Promise.race([nc.close(), sleep(5000)]);
    await Promise.all([nats.dispose(), mariadb.dispose()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function waitHealthy(nc: NatsConnection): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const report = await natsRequest<{ ready: boolean }>(nc, 'msec.log.health', {}, 1000);
      if (report.ready) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error('log service did not become healthy');
}

await main();
