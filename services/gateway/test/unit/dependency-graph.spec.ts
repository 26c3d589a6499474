import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CallRow, DependencyGraph, LogStorageReport } from '@msec/contracts';
import { mergeDependencyGraph } from '../../src/logs/dependency-graph.js';
import { logStorageMetrics } from '../../src/monitoring/log-storage-metrics.js';

const row = (
  caller: string,
  callee: string,
  method: string,
  requests: number,
  failures: number,
  avgMs: number,
  maxMs: number,
): CallRow => ({
  caller,
  callee,
  method,
  requests,
  failures,
  failuresByCode: failures > 0 ? { RPC_TIMEOUT: failures } : {},
  p50: null,
  p95: null,
  p99: null,
  avgMs,
  maxMs,
  side: 'callee',
});

const spans: DependencyGraph = {
  from: 0,
  to: 60_000,
  services: ['A.a', 'B.b', 'C.c'],
  edges: [
    { caller: 'A.a', callee: 'B.b', calls: 1, errors: 0, errorRate: 0, avgMs: 0.31, maxMs: 0.31, exampleTraceIds: ['t1'], source: 'spans' },
    { caller: 'C.c', callee: 'B.b', calls: 2, errors: 1, errorRate: 0.5, avgMs: 3, maxMs: 4, exampleTraceIds: ['t2'], source: 'spans' },
  ],
  mermaid: '',
};

describe('dependency graph', () => {
  it('dependency graph - counts from statistics summed over methods, example traces from spans, span-only edges kept', () => {
    const graph = mergeDependencyGraph(
      0,
      60_000,
      [row('A.a', 'B.b', 'get', 30, 3, 0.5, 1), row('A.a', 'B.b', 'put', 10, 1, 4.5, 5)],
      spans,
    );
    assert.deepEqual(
      graph.edges.map((e) => [e.caller, e.callee, e.calls, e.errors, e.errorRate, e.avgMs, e.maxMs, e.exampleTraceIds, e.source]),
      [
        ['A.a', 'B.b', 40, 4, 0.1, 1.5, 5, ['t1'], 'statistics'],
        ['C.c', 'B.b', 2, 1, 0.5, 3, 4, ['t2'], 'spans'],
      ],
    );
    assert.deepEqual(graph.services, ['A.a', 'B.b', 'C.c']);
    assert.match(graph.mermaid, /s0 -->\|"40 calls, 10% errors, avg 1\.5 ms"\| s1/);
  });

  it('dependency graph - without statistics it is the spans graph; without spans the edges have no example', () => {
    assert.deepEqual(
      mergeDependencyGraph(0, 60_000, [], spans).edges.map((e) => e.calls),
      [1, 2],
    );
    assert.deepEqual(mergeDependencyGraph(0, 60_000, [row('A.a', 'B.b', 'get', 3, 0, 1, 1)], undefined).edges[0]!.exampleTraceIds, []);
  });

  it('log storage metrics - drop counters, rows held and limits in Prometheus text', () => {
    const report: LogStorageReport = {
      limits: { retentionDays: 7, maxLines: 100, maxSpans: 50, ingestStreamMaxBytes: 1024 },
      stored: { lines: 95, spans: 47 },
      stream: { bytes: 10, messages: 2, pending: 1 },
      dropped: { streamMessages: 3, lines: 125, linesBelowWarn: 120, spans: 18, okSpans: 18 },
      since: 0,
    };
    const text = logStorageMetrics(report);
    assert.match(text, /^# TYPE msec_log_dropped_total counter$/m);
    assert.match(text, /^msec_log_dropped_total\{what="stream_messages"\} 3$/m);
    assert.match(text, /^msec_log_dropped_total\{what="lines_below_warn"\} 120$/m);
    assert.match(text, /^msec_log_stored\{what="stream_pending_messages"\} 1$/m);
    assert.match(text, /^msec_log_limit\{what="spans"\} 50$/m);
  });
});
