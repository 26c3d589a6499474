// Bounded log store under full load (run on demand, never part of `./msec test`):
//   npx tsc -b bench/log && node bench/log/dist/store-bound.bench.js [seconds] [maxLines] [maxSpans] [streamMb]
// One producer process offers one log line and one span per "call" as fast as the SDK's batch publishers take them
// (what an RPC service at full load with telemetry on sends) for `seconds` (default 60) to a nats-server and the log
// service (spawned, SQLite, limits set). Every 5 s it samples the store's size on disk, the ingest stream's bytes
// and the service's counters; the store must level off at its limits while the producer is never slowed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { LOG_INGEST_STREAM, LogSubjects, NatsRole, type LogLine, type LogStorageReport, type SpanRecord } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats } from '@msec/testing';
import * as sdk from '@msec/sdk';

const SECONDS = Number(process.argv[2] ?? 60);
const MAX_LINES = Number(process.argv[3] ?? 300_000);
const MAX_SPANS = Number(process.argv[4] ?? 300_000);
const STREAM_MB = Number(process.argv[5] ?? 64);
const ROOT = new URL('../../../', import.meta.url).pathname;
const MIB = 1024 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): number => Math.round((bytes / MIB) * 10) / 10;

/** Bytes of every file under a folder. */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

function lineOf(i: number): LogLine {
  return {
    id: sdk.newLineId(),
    ts: Date.now(),
    level: i % 50 === 0 ? 'WARN' : 'INFO',
    service: 'Echo.mod_echo',
    host: '10.0.0.1',
    instance: '10.0.0.1:7963',
    traceId: `trace-${i}`,
    message: `echo served in ${i % 7} ms`,
    fields: { rpc: 'echo', user: `u${i % 1000}` },
  };
}

function spanOf(i: number): SpanRecord {
  return {
    traceId: `trace-${i}`,
    spanId: sdk.newSpanId(),
    caller: 'Bench.client',
    callee: 'Echo.mod_echo',
    method: 'echo',
    start: Date.now(),
    duration: 0.3,
    status: i % 100 === 0 ? 'error' : 'ok',
  };
}

async function storage(nc: NatsConnection): Promise<LogStorageReport | undefined> {
  return natsRequest<LogStorageReport>(nc, LogSubjects.storage, {}, 10_000).catch(() => undefined);
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'msec-bench-store-'));
  const serviceDir = join(root, 'log');
  mkdirSync(serviceDir);
  const nats = await startNats({ dir: join(root, 'nats') });
  const nc = await nats.connect({ maxReconnectAttempts: -1 });
  // The samples ask on a connection of their own, as the console does: not queued behind the producers' megabytes.
  const probe = await nats.connect({ maxReconnectAttempts: -1 });
  let service: ChildProcess | undefined;
  try {
    service = spawn(process.execPath, ['services/log/dist/src/main.js'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...(await nats.envFor(NatsRole.log)),
        MSEC_DB_URL: '',
        MSEC_DATA_DIR: serviceDir,
        MSEC_LOG_MAX_LINES: String(MAX_LINES),
        MSEC_LOG_MAX_SPANS: String(MAX_SPANS),
        MSEC_LOG_INGEST_STREAM_MAX_MB: String(STREAM_MB),
        MSEC_LOG_STORE_CHECK_SECONDS: '5',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let i = 0; (await storage(nc)) === undefined; i++) {
      if (i > 100) throw new Error('log service did not answer');
      await sleep(200);
    }
    const jsm = await jetstreamManager(nc);
    const lines = Array.from(
      { length: 2 },
      (_, k) =>
        new sdk.NatsBatchPublisher<LogLine>(
          { nc, subject: LogSubjects.ingestLines, spoolFile: join(root, `l${k}.jsonl`), batchSize: 500, publishTimeoutMs: 5000 },
          (l) => l.id,
        ),
    );
    const spans = Array.from(
      { length: 2 },
      (_, k) =>
        new sdk.NatsBatchPublisher<SpanRecord>(
          { nc, subject: LogSubjects.ingestSpans, spoolFile: join(root, `s${k}.jsonl`), batchSize: 500, publishTimeoutMs: 5000 },
          (s) => s.spanId,
        ),
    );
    const samples: Array<Record<string, number>> = [];
    const started = Date.now();
    let offered = 0;
    let nextSample = started;
    let sampling = false;
    const sample = async (): Promise<void> => {
      const asked = performance.now();
      const report = await storage(probe);
      const replyMs = Math.round(performance.now() - asked);
      const healthAsked = performance.now();
      const healthy = await natsRequest(probe, 'msec.log.health', {}, 10_000).then(
        () => Math.round(performance.now() - healthAsked),
        () => -1,
      );
      const stream = await jsm.streams.info(LOG_INGEST_STREAM).catch(() => undefined);
      const row = {
        second: Math.round((Date.now() - started) / 1000),
        offeredCalls: offered,
        storeMiB: mib(folderBytes(serviceDir)),
        streamMiB: mib(stream?.state.bytes ?? 0),
        // -1: the service did not answer within 10 s (busy storing).
        lines: report?.stored.lines ?? -1,
        spans: report?.stored.spans ?? -1,
        streamPending: report?.stream.pending ?? -1,
        droppedStreamMessages: report?.dropped.streamMessages ?? -1,
        droppedLines: report?.dropped.lines ?? -1,
        droppedSpans: report?.dropped.spans ?? -1,
        storageReplyMs: report === undefined ? -1 : replyMs,
        healthReplyMs: healthy,
      };
      samples.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    };
    while (Date.now() - started < SECONDS * 1000) {
      // Offer as much as the publishers buffer (they drop past their bound rather than block a caller).
      for (let k = 0; k < 2000; k++, offered++) {
        lines[offered % 2]!.push(lineOf(offered));
        spans[offered % 2]!.push(spanOf(offered));
      }
      const buffered = Math.max(...(await Promise.all([...lines, ...spans].map((p) => p.stats()))).map((s) => s.buffered));
      if (buffered > 20_000) await sleep(1);
      else await new Promise((resolve) => setImmediate(resolve));
      // Sampling runs beside the producer: a slow answer must not pause the load.
      if (Date.now() >= nextSample && !sampling) {
        nextSample = Date.now() + 5000;
        sampling = true;
        void sample().finally(() => (sampling = false));
      }
    }
    const publisherStats = await Promise.all([...lines, ...spans].map((p) => p.stats()));
    await Promise.all([...lines, ...spans].map((p) => p.close()));
    // Let the service catch up and enforce its limits once more.
    while (sampling) await sleep(100);
    await sleep(12_000);
    await sample();
    const last = samples[samples.length - 1]!;
    const report = {
      date: new Date().toISOString(),
      command: `node bench/log/dist/store-bound.bench.js ${SECONDS} ${MAX_LINES} ${MAX_SPANS} ${STREAM_MB}`,
      node: process.version,
      cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
      seconds: SECONDS,
      limits: { maxLines: MAX_LINES, maxSpans: MAX_SPANS, streamMiB: STREAM_MB },
      offeredCallsPerSecond: Math.round(offered / SECONDS),
      publishedRecords: publisherStats.reduce((n, s) => n + s.published, 0),
      droppedByPublishers: publisherStats.reduce((n, s) => n + s.dropped, 0),
      peakStoreMiB: Math.max(...samples.map((s) => s.storeMiB!)),
      finalStoreMiB: last.storeMiB,
      peakStreamMiB: Math.max(...samples.map((s) => s.streamMiB!)),
      final: last,
      samples,
    };
    writeFileSync(join(ROOT, 'bench/log/store-bound.results.json'), JSON.stringify(report, null, 2) + '\n');
    const table = [
      '| s | calls offered | store MiB | stream MiB | lines | spans | stream pending | dropped: stream msgs | lines | spans |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...samples.map(
        (s) =>
          `| ${s.second} | ${s.offeredCalls} | ${s.storeMiB} | ${s.streamMiB} | ${s.lines} | ${s.spans} | ${s.streamPending} | ${s.droppedStreamMessages} | ${s.droppedLines} | ${s.droppedSpans} |`,
      ),
    ].join('\n');
    process.stdout.write(`${JSON.stringify({ ...report, samples: undefined })}\n\n${table}\n`);
  } finally {
    service?.kill('SIGTERM');
    if (service && service.exitCode === null) await new Promise((resolve) => service!.once('exit', resolve));
    await Promise.race([Promise.all([nc.close(), probe.close()]), sleep(5000)]);
    await nats.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
