import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpanRecord } from '@msec/contracts';
import { buildTrace, dependencyMermaid } from '../../src/trace/call-graph.js';

const span = (
  spanId: string,
  parentSpanId: string | undefined,
  start: number,
  duration: number,
  extra: Partial<SpanRecord> = {},
): SpanRecord => ({
  traceId: 't',
  spanId,
  ...(parentSpanId ? { parentSpanId } : {}),
  caller: 'A',
  callee: 'B',
  method: 'm',
  start,
  duration,
  status: 'ok',
  ...extra,
});

describe('call graph', () => {
  it('call graph - children sit under their parent in start order, depth first', () => {
    const view = buildTrace('t', [
      span('c2', 'r', 120, 5),
      span('r', undefined, 100, 50),
      span('c1', 'r', 110, 5),
      span('g', 'c1', 111, 2),
    ]);
    assert.deepEqual(
      view.waterfall.map((w) => [w.spanId, w.depth, w.offset]),
      [
        ['r', 0, 0],
        ['c1', 1, 10],
        ['g', 2, 11],
        ['c2', 1, 20],
      ],
    );
    assert.equal(view.duration, 50);
  });

  it('call graph - a span whose parent is missing becomes a root', () => {
    const view = buildTrace('t', [span('a', 'gone', 0, 1), span('b', undefined, 2, 1)]);
    assert.deepEqual(
      view.roots.map((r) => r.span.spanId),
      ['a', 'b'],
    );
  });

  it('call graph - failed calls are dotted with their code and quotes cannot break Mermaid labels', () => {
    const view = buildTrace('t', [span('a', undefined, 0, 1, { status: 'error', errorCode: 'RPC_TIMEOUT', method: 'say "hi"' })]);
    assert.match(view.mermaidFlow, /s0 -\.->\|"say #quot;hi#quot; 1 ms RPC_TIMEOUT"\| s1/);
    assert.match(view.mermaidWaterfall, /:crit, t0, 0, 1/);
  });

  it('call graph - dependency edges carry calls, error rate and latency', () => {
    const text = dependencyMermaid([
      { caller: 'A', callee: 'B', calls: 3, errors: 1, errorRate: 1 / 3, avgMs: 2.25, maxMs: 4, exampleTraceIds: [] },
    ]);
    assert.equal(text, 'flowchart LR\n  s0["A"]\n  s1["B"]\n  s0 -->|"3 calls, 33.3% errors, avg 2.3 ms"| s1\n');
  });
});
