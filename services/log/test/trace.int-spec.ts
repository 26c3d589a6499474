import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  Component,
  LogSubjects,
  Subjects,
  type DependencyGraph,
  type HealthReport,
  type LogLine,
  type SpanRecord,
  type TraceView,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, type NatsTestServer } from '@msec/testing';
import { createLogger, createSpanReporter, type SpanReporter } from './sdk-log.js';
import { connectClient, searchAll, waitFor, type LogHarness, startLogService } from './support.js';

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);

describe('log traces, call graphs, tail and retention', () => {
  let nats: NatsTestServer;
  let harness: LogHarness;
  let nc: NatsConnection;
  let reporter: SpanReporter;

  before(async () => {
    nats = await startNats();
    harness = await startLogService(nats);
    nc = await connectClient(nats);
    reporter = createSpanReporter({ nc, service: 'Flight.mod_flight', spoolDir: harness.dataDir });
  });
  after(async () => {
    await reporter?.close();
    await nc?.close();
    await harness?.close();
    await nats?.dispose();
  });

  it('trace - two spans give the call tree, the waterfall and Mermaid text', async () => {
    const root: SpanRecord = {
      traceId: 'trace-a',
      spanId: 'span-1',
      caller: 'client',
      callee: 'Flight.mod_flight',
      method: 'Flight.Query',
      start: T0,
      duration: 30,
      status: 'ok',
    };
    const child: SpanRecord = {
      traceId: 'trace-a',
      spanId: 'span-2',
      parentSpanId: 'span-1',
      caller: 'Flight.mod_flight',
      callee: 'User.mod_user',
      method: 'User.CheckPassword',
      start: T0 + 5,
      duration: 12.5,
      status: 'ok',
    };
    reporter.report(child);
    reporter.report(root);
    reporter.report(root);
    await reporter.flush();
    const view = await waitFor('both spans', () =>
      natsRequest<TraceView>(harness.nc, LogSubjects.trace, { traceId: 'trace-a' }).then((v) => (v.spanCount === 2 ? v : undefined)),
    );

    assert.equal(view.start, T0);
    assert.equal(view.duration, 30);
    assert.equal(view.roots.length, 1);
    assert.equal(view.roots[0]!.span.spanId, 'span-1');
    assert.deepEqual(
      view.roots[0]!.children.map((c) => [c.span.spanId, c.offset, c.depth]),
      [['span-2', 5, 1]],
    );
    assert.deepEqual(view.waterfall, [
      { spanId: 'span-1', depth: 0, label: 'client → Flight.mod_flight Flight.Query', offset: 0, duration: 30, status: 'ok' },
      {
        spanId: 'span-2',
        parentSpanId: 'span-1',
        depth: 1,
        label: 'Flight.mod_flight → User.mod_user User.CheckPassword',
        offset: 5,
        duration: 12.5,
        status: 'ok',
      },
    ]);
    assert.equal(
      view.mermaidFlow,
      [
        'flowchart LR',
        '  s0["client"]',
        '  s1["Flight.mod_flight"]',
        '  s2["User.mod_user"]',
        '  s0 -->|"Flight.Query 30 ms"| s1',
        '  s1 -->|"User.CheckPassword 12.5 ms"| s2',
        '',
      ].join('\n'),
    );
    assert.equal(
      view.mermaidWaterfall,
      [
        'gantt',
        '  title Trace trace-a',
        '  dateFormat x',
        '  axisFormat %S.%L',
        `  client → Flight.mod_flight Flight.Query (30 ms) :t0, ${T0}, ${T0 + 30}`,
        `  · Flight.mod_flight → User.mod_user User.CheckPassword (12.5 ms) :t1, ${T0 + 5}, ${T0 + 18}`,
        '',
      ].join('\n'),
    );
    await assert.rejects(natsRequest(harness.nc, LogSubjects.trace, { traceId: 'no-such-trace' }), { code: 'LOG_TRACE_NOT_FOUND' });
    await assert.rejects(natsRequest(harness.nc, LogSubjects.trace, {}), { code: 'VALIDATION_FAILED' });
  });

  it('trace - the dependency graph over a range has calls, error rate and latency per edge with example traces', async () => {
    for (let i = 0; i < 4; i++) {
      reporter.report({
        traceId: `trace-d${i}`,
        spanId: `dep-${i}`,
        caller: 'Flight.mod_flight',
        callee: 'User.mod_user',
        method: 'User.CheckPassword',
        start: T0 + 1000 + i,
        duration: 10 + i * 10,
        status: i === 3 ? 'error' : 'ok',
        errorCode: i === 3 ? 'RPC_TIMEOUT' : undefined,
      } as SpanRecord);
    }
    await reporter.flush();
    const graph = await waitFor('the edges', () =>
      natsRequest<DependencyGraph>(harness.nc, LogSubjects.dependencies, { from: T0, to: T0 + 60_000, examples: 2 }).then((g) =>
        g.edges.find((e) => e.callee === 'User.mod_user')?.calls === 5 ? g : undefined,
      ),
    );
    assert.deepEqual(graph.services, ['Flight.mod_flight', 'User.mod_user', 'client']);
    const edge = graph.edges.find((e) => e.callee === 'User.mod_user')!;
    assert.equal(edge.errors, 1);
    assert.equal(edge.errorRate, 0.2);
    assert.equal(edge.avgMs, (12.5 + 10 + 20 + 30 + 40) / 5);
    assert.equal(edge.maxMs, 40);
    assert.deepEqual(edge.exampleTraceIds, ['trace-d3', 'trace-d2']);
    assert.match(graph.mermaid, /s\d -->\|"5 calls, 20% errors, avg 22\.5 ms"\| s\d/);
    await assert.rejects(natsRequest(harness.nc, LogSubjects.dependencies, { from: T0, to: T0 - 1 }), { code: 'VALIDATION_FAILED' });
  });

  it('tail - stored lines are published on msec.log.tail.<service>', async () => {
    const sub = nc.subscribe(LogSubjects.tailAll);
    const logger = createLogger({ nc, service: 'Tail.mod_tail', spoolDir: harness.dataDir, watchColourRules: false });
    logger.warn('something to watch', { k: 'v' });
    await logger.close();
    for await (const msg of sub) {
      const lines = msg.json<LogLine[]>();
      if (lines.some((l) => l.message === 'something to watch')) {
        assert.equal(msg.subject, LogSubjects.tail('Tail.mod_tail'));
        break;
      }
    }
    sub.unsubscribe();
  });

  it('retention - a purge removes lines and spans older than the cutoff and keeps newer ones', async () => {
    const logger = createLogger({ nc, service: 'Retention.mod_old', spoolDir: harness.dataDir, watchColourRules: false });
    logger.info('kept');
    await logger.close();
    await waitFor('the line', async () => (await searchAll(harness.nc, { service: 'Retention.mod_old' })).length === 1);
    const result = await natsRequest<{ lines: number; spans: number }>(harness.nc, LogSubjects.purge, { before: T0 + 500 });
    assert.equal(result.spans, 2);
    assert.equal(result.lines, 0);
    await assert.rejects(natsRequest(harness.nc, LogSubjects.trace, { traceId: 'trace-a' }), { code: 'LOG_TRACE_NOT_FOUND' });
    assert.equal((await searchAll(harness.nc, { service: 'Retention.mod_old' })).length, 1);
    const health = await natsRequest<HealthReport>(harness.nc, Subjects.health(Component.log), {});
    assert.equal(health.ready, true);
  });
});
