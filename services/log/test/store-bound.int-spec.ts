import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { LogSubjects, NatsRole, type LogLine, type LogStorageReport, type SpanRecord, type TraceView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startMariaDb, startNats, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';
import { searchAll, startLogService, waitFor, type LogHarness } from './support.js';

const T0 = Date.now() - 3600_000;
const LIMITS = {
  MSEC_LOG_MAX_LINES: '100',
  MSEC_LOG_MAX_SPANS: '50',
  MSEC_LOG_STORE_CHECK_SECONDS: '1',
  MSEC_LOG_INGEST_STREAM_MAX_MB: '1',
};

const line = (id: string, ts: number, level: LogLine['level']): LogLine => ({
  id,
  ts,
  level,
  service: 'Flight.mod_flight',
  host: '127.0.0.1',
  instance: 'i1',
  message: `${level} line ${id}`,
  fields: { user: `u${id}` },
});

const span = (id: string, start: number, status: SpanRecord['status']): SpanRecord => ({
  traceId: `trace-${id}`,
  spanId: id,
  caller: 'Flight.mod_flight',
  callee: 'User.mod_user',
  method: 'User.Get',
  start,
  duration: 1,
  status,
  ...(status === 'error' ? { errorCode: 'RPC_TIMEOUT' } : {}),
});

const storage = (nc: NatsConnection): Promise<LogStorageReport> => natsRequest<LogStorageReport>(nc, LogSubjects.storage, {});

/** Publishes more lines and spans than the limits allow and checks what the limits removed, on the given database. */
async function checkTrim(harness: LogHarness, producer: NatsConnection): Promise<void> {
  const js = jetstream(producer);
  // The oldest lines are WARNs: the limit removes INFO lines first, whatever their age.
  const warns = Array.from({ length: 20 }, (_, i) => line(`w${i}`, T0 + i, 'WARN'));
  const infos = Array.from({ length: 200 }, (_, i) => line(`i${String(i).padStart(3, '0')}`, T0 + 1000 + i, 'INFO'));
  const errors = Array.from({ length: 5 }, (_, i) => span(`e${i}`, T0 + i, 'error'));
  const oks = Array.from({ length: 60 }, (_, i) => span(`o${String(i).padStart(2, '0')}`, T0 + 1000 + i, 'ok'));
  await js.publish(LogSubjects.ingestLines, JSON.stringify([...warns, ...infos]));
  await js.publish(LogSubjects.ingestSpans, JSON.stringify([...errors, ...oks]));

  const report = await waitFor('the limits to be enforced', async () => {
    const r = await storage(harness.nc);
    return r.dropped.lines > 0 && r.dropped.spans > 0 ? r : undefined;
  });
  // 220 lines against 100: trimmed to 95% of the limit; 65 spans against 50: to 47.
  assert.deepEqual(report.dropped, { streamMessages: 0, lines: 125, linesBelowWarn: 125, spans: 18, okSpans: 18 });
  assert.deepEqual(report.stored, { lines: 95, spans: 47 });
  assert.equal(report.limits.maxLines, 100);
  assert.equal(report.limits.ingestStreamMaxBytes, 1024 * 1024);

  const kept = await searchAll(harness.nc, { from: T0 - 1, to: T0 + 10_000 });
  assert.equal(kept.length, 95);
  assert.equal(kept.filter((l) => l.level === 'WARN').length, 20, 'every WARN line is kept');
  const keptInfo = kept.filter((l) => l.level === 'INFO').map((l) => l.id);
  assert.ok(!keptInfo.includes('i000') && keptInfo.includes('i199'), 'the oldest INFO lines went, the newest stayed');
  // Removed lines leave no field index rows behind; kept ones are still found by field.
  assert.equal((await searchAll(harness.nc, { fields: [{ name: 'user', value: 'ui000' }] })).length, 0);
  assert.equal((await searchAll(harness.nc, { fields: [{ name: 'user', value: 'uw0' }] })).length, 1);

  const failed = await natsRequest<TraceView>(harness.nc, LogSubjects.trace, { traceId: 'trace-e0' });
  assert.equal(failed.spanCount, 1, 'a failed call keeps its span');
  await assert.rejects(natsRequest(harness.nc, LogSubjects.trace, { traceId: 'trace-o00' }), { code: 'LOG_TRACE_NOT_FOUND' });
  await natsRequest<TraceView>(harness.nc, LogSubjects.trace, { traceId: 'trace-o59' });
}

describe('log store bounds', () => {
  let nats: NatsTestServer;
  let harness: LogHarness | undefined;
  let producer: NatsConnection;

  before(async () => {
    nats = await startNats();
    producer = await nats.connectAs(NatsRole.service, 'Flight.mod_flight');
  });
  after(async () => {
    await producer?.close();
    await harness?.close();
    await nats?.dispose();
  });

  it('store bound - past maxLines and maxSpans the oldest DEBUG/INFO lines and successful spans go first, counted', async () => {
    harness = await startLogService(nats, '', LIMITS);
    await checkTrim(harness, producer);
  });

  it('store bound - messages the full ingest stream discarded before the log service read them are counted', async () => {
    await harness!.close();
    harness = undefined;
    // While the log service is down, producers write 3 MiB into a 1 MiB stream: publishes never fail or wait,
    // the stream drops its oldest messages.
    const js = jetstream(producer);
    const message = JSON.stringify(Array.from({ length: 400 }, (_, i) => line(`x${i}`, Date.now(), 'INFO')));
    const published = Math.ceil((3 * 1024 * 1024) / message.length);
    for (let i = 0; i < published; i++) await js.publish(LogSubjects.ingestLines, message.replace(/"x/g, `"m${i}x`));

    harness = await startLogService(nats, '', LIMITS);
    const report = await waitFor('the lost messages to be counted', async () => {
      const r = await storage(harness!.nc);
      return r.dropped.streamMessages > 0 && r.stream.pending === 0 ? r : undefined;
    });
    assert.ok(
      report.dropped.streamMessages >= published - Math.ceil((1024 * 1024) / message.length) - 1,
      `${report.dropped.streamMessages} of ${published} messages counted as dropped`,
    );
    assert.ok(report.dropped.streamMessages < published, 'the newest messages were kept and read');
    assert.ok(report.stream.bytes <= 1024 * 1024);
  });

  it('store bound - the drop counters and the time they count from survive a restart of the log service', async () => {
    await harness!.close();
    const dataDir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}log-counters-`));
    after(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { ...LIMITS, MSEC_DATA_DIR: dataDir };
    harness = await startLogService(nats, '', env);
    const js = jetstream(producer);
    const lines = Array.from({ length: 150 }, (_, i) => line(`r${String(i).padStart(3, '0')}`, Date.now() + i, 'INFO'));
    await js.publish(LogSubjects.ingestLines, JSON.stringify(lines));
    const before = await waitFor('the line limit to drop lines', async () => {
      const r = await storage(harness!.nc);
      return r.dropped.lines > 0 && r.stream.pending === 0 ? r : undefined;
    });

    await harness!.close();
    harness = await startLogService(nats, '', env);
    const restarted = await storage(harness.nc);
    assert.deepEqual(restarted.dropped, before.dropped, 'the counters were kept');
    assert.equal(restarted.since, before.since, 'they still count from the first start');
    assert.ok(restarted.dropped.lines >= 50);
  });
});

describe('log store bounds on MariaDB', () => {
  let nats: NatsTestServer;
  let mariadb: InfraServer;
  let harness: LogHarness | undefined;
  let producer: NatsConnection;

  before(async () => {
    [nats, mariadb] = await Promise.all([startNats(), startMariaDb()]);
    producer = await nats.connectAs(NatsRole.service, 'Flight.mod_flight');
  });
  after(async () => {
    await producer?.close();
    await harness?.close();
    await Promise.all([nats?.dispose(), mariadb?.dispose()]);
  });

  it('store bound on MariaDB - past the limits the oldest INFO lines and successful spans go first, counted', async () => {
    harness = await startLogService(nats, mariadb.url, LIMITS);
    await checkTrim(harness, producer);
  });
});
