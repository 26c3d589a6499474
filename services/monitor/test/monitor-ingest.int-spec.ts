import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { INestMicroservice } from '@nestjs/common';
import { type NatsConnection } from '@nats-io/transport-node';
import { MonitorSubjects, type AttrInfo, type CallsReply, type CurveReply, type TotalsReply } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, type NatsTestServer } from '@msec/testing';
import { eventually, freshDataDir, startMonitorInProcess } from './support/monitor-harness.js';
import { MonitorReporter } from './support/sdk-monitor.js';

const FLUSH_MS = 300;

describe('monitor ingest and queries', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let app: INestMicroservice;
  let dataDir: string;
  const reporters: MonitorReporter[] = [];

  before(async () => {
    nats = await startNats();
    nc = await nats.connect();
    dataDir = freshDataDir();
    app = await startMonitorInProcess(nc, nats, {
      MSEC_DATA_DIR: dataDir,
      MSEC_MONITOR_SNAPSHOT_MS: '500',
      MSEC_MONITOR_ALARM_INTERVAL_MS: '0',
    });
  });

  after(async () => {
    for (const r of reporters) await r.close();
    await app?.close();
    await nc?.close();
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('monitor - SDK reports show up per minute for the service and each host within one flush interval', async () => {
    const h1 = new MonitorReporter({ nc, service: 'Demo.login', host: '10.0.0.1', flushIntervalMs: FLUSH_MS });
    const h2 = new MonitorReporter({ nc, service: 'Demo.login', host: '10.0.0.2', flushIntervalMs: FLUSH_MS });
    reporters.push(h1, h2);
    const day = new Date().toISOString().slice(0, 10);
    for (let i = 0; i < 5; i++) h1.add('login_ok');
    h2.add('login_ok', 3);
    h1.setMax('latency_ms', 10);
    h1.setMax('latency_ms', 40);
    h2.setMax('latency_ms', 30);
    h1.setAvg('queue_len', 2);
    h2.setAvg('queue_len', 4);

    const totals = await eventually(
      async () => {
        const reply = await natsRequest<TotalsReply>(nc, MonitorSubjects.totals, { service: 'Demo.login', day });
        const ok = reply.totals.find((t) => t.attr === 'login_ok');
        return ok?.value === 8 && reply.totals.length >= 3 ? reply : undefined;
      },
      FLUSH_MS * 10,
      'service totals',
    );
    assert.deepEqual(
      totals.totals.map((t) => [t.attr, t.kind, t.value]),
      [
        ['latency_ms', 'max', 40],
        ['login_ok', 'sum', 8],
        ['queue_len', 'avg', 3],
      ],
    );
    const host1 = await natsRequest<TotalsReply>(nc, MonitorSubjects.totals, { service: 'Demo.login', host: '10.0.0.1', day });
    assert.equal(host1.totals.find((t) => t.attr === 'login_ok')?.value, 5);

    const curve = await natsRequest<CurveReply>(nc, MonitorSubjects.curve, {
      service: 'Demo.login',
      attr: 'login_ok',
      day,
      compare: ['yesterday', 'weekAgo'],
    });
    assert.equal(curve.values.length, 1440);
    assert.equal(
      curve.values.reduce<number>((a, v) => a + (v ?? 0), 0),
      8,
    );
    assert.equal(
      curve.yesterday?.every((v) => v === null),
      true,
    );
    assert.equal(curve.weekAgo?.length, 1440);
    const hostCurve = await natsRequest<CurveReply>(nc, MonitorSubjects.curve, {
      service: 'Demo.login',
      attr: 'login_ok',
      host: '10.0.0.2',
      day,
    });
    assert.equal(
      hostCurve.values.reduce<number>((a, v) => a + (v ?? 0), 0),
      3,
    );

    assert.deepEqual(await natsRequest<string[]>(nc, MonitorSubjects.hosts, { service: 'Demo.login' }), ['10.0.0.1', '10.0.0.2']);
    const attrs = await natsRequest<AttrInfo[]>(nc, MonitorSubjects.attrs, { service: 'Demo.login' });
    assert.deepEqual(
      attrs.map((a) => a.attr),
      ['latency_ms', 'login_ok', 'queue_len'],
    );
    assert.ok((await natsRequest<string[]>(nc, MonitorSubjects.services, {})).includes('Demo.login'));
    const top = await natsRequest<TotalsReply>(nc, MonitorSubjects.top, { service: 'Demo.login', n: 1, day });
    assert.deepEqual(
      top.totals.map((t) => t.attr),
      ['login_ok'],
    );
  });

  it('monitor - call records become caller → callee request counts, failures by code and latency percentiles', async () => {
    const caller = new MonitorReporter({ nc, service: 'Flight.web', host: '10.0.0.3', flushIntervalMs: FLUSH_MS });
    reporters.push(caller);
    const records = [
      ...Array.from({ length: 9 }, (_, i) => ({
        caller: 'Flight.web',
        callee: 'Flight.mod_flight',
        method: 'query',
        ok: true,
        latencyMs: 3 + i,
      })),
      { caller: 'Flight.web', callee: 'Flight.mod_flight', method: 'query', ok: false, errorCode: 'RPC_TIMEOUT', latencyMs: 800 },
      { caller: 'Flight.web', callee: 'Flight.mod_price', method: 'quote', ok: true, latencyMs: 1 },
    ];
    const day = new Date().toISOString().slice(0, 10);
    caller.recordCalls(records);
    const reply = await eventually(
      async () => {
        const r = await natsRequest<CallsReply>(nc, MonitorSubjects.calls, { caller: 'Flight.web', day });
        return r.rows.length === 2 ? r : undefined;
      },
      FLUSH_MS * 10,
      'call table',
    );
    const flight = reply.rows.find((r) => r.callee === 'Flight.mod_flight')!;
    assert.equal(flight.method, 'query');
    assert.equal(flight.requests, 10);
    assert.equal(flight.failures, 1);
    assert.deepEqual(flight.failuresByCode, { RPC_TIMEOUT: 1 });
    assert.ok(flight.p50! >= 5 && flight.p50! <= 10, `p50 ${flight.p50}`);
    assert.ok(flight.p99! >= 500, `p99 ${flight.p99}`);
    assert.equal(reply.rows.find((r) => r.callee === 'Flight.mod_price')?.requests, 1);
  });

  it('monitor - a full reporter drops and counts, the count reaches the monitor, and a dead connection never throws', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const small = new MonitorReporter({ nc, service: 'Demo.small', host: 'h9', flushIntervalMs: FLUSH_MS, maxCells: 1 });
    reporters.push(small);
    small.add('kept');
    small.add('lost_1');
    small.add('lost_2');
    assert.equal(small.stats().dropped, 2);
    await small.flush();
    await eventually(
      async () => {
        const reply = await natsRequest<TotalsReply>(nc, MonitorSubjects.totals, { service: 'Demo.small', day });
        return reply.totals.find((t) => t.attr === 'msec.monitor.dropped_reports')?.value === 2 ? true : undefined;
      },
      FLUSH_MS * 10,
      'dropped count recorded',
    );

    const deadNc = await nats.connect();
    const orphan = new MonitorReporter({ nc: deadNc, service: 'Demo.orphan', host: 'h9', flushIntervalMs: FLUSH_MS });
    await deadNc.close();
    orphan.add('x', 1);
    orphan.set('y', 2, 'max');
    await orphan.flush();
    assert.equal(orphan.stats().failedPublishes, 1);
    assert.equal(orphan.stats().pendingBatches, 1);
    await orphan.close();
  });

  it('monitor - Prometheus text carries the service aggregate and each host', async () => {
    const text = await natsRequest<string>(nc, MonitorSubjects.prometheus, {});
    assert.match(text, /# TYPE msec_attr_today_total gauge/);
    assert.match(text, /msec_attr_today_total\{service="Demo.login",attr="login_ok",host="",kind="sum"\} 8/);
    assert.match(text, /msec_attr_today_total\{service="Demo.login",attr="login_ok",host="10.0.0.1",kind="sum"\} 5/);
  });

  it('monitor - a bad query names the field', async () => {
    await assert.rejects(
      natsRequest(nc, MonitorSubjects.curve, { service: 'Demo.login' }),
      (e: Error & { code?: string }) => e.code === 'VALIDATION_FAILED' && /^attr:/.test(e.message),
    );
    await assert.rejects(natsRequest(nc, MonitorSubjects.totals, { service: 'Demo.login', day: '2026-13-40' }), /day: use a date/);
  });
});
