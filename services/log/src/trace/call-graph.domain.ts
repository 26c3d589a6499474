import { Injectable } from '@nestjs/common';
import type { DependencyGraph, DependencyRequest, TraceRequest, TraceView } from '@msec/contracts';
import { invalidField, traceNotFound } from '../log.errors.js';
import { buildTrace, dependencyMermaid } from './call-graph.js';
import { SpanRepository } from './span.repository.js';

const MAX_RANGE_MS = 31 * 24 * 3600_000;

/** Call trees of one trace and dependency graphs over a time range. */
@Injectable()
export class CallGraphDomain {
  constructor(private readonly spans: SpanRepository) {}

  async trace(raw: unknown): Promise<TraceView> {
    const request = (raw ?? {}) as Partial<TraceRequest>;
    if (typeof request.traceId !== 'string' || request.traceId.length === 0 || request.traceId.length > 64) {
      throw invalidField('traceId', 'the trace id of a request (1 to 64 characters)');
    }
    const spans = await this.spans.byTrace(request.traceId);
    if (spans.length === 0) throw traceNotFound(request.traceId);
    return buildTrace(request.traceId, spans);
  }

  async dependencies(raw: unknown): Promise<DependencyGraph> {
    const request = (raw ?? {}) as Partial<DependencyRequest>;
    for (const key of ['from', 'to'] as const) {
      const v = request[key];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
        throw invalidField(key, 'epoch milliseconds (a non-negative whole number)');
    }
    const from = request.from!;
    const to = request.to!;
    if (to <= from) throw invalidField('to', 'must be after from');
    if (to - from > MAX_RANGE_MS) throw invalidField('to', 'the range may span at most 31 days');
    const examples = request.examples ?? 3;
    if (!Number.isInteger(examples) || examples < 0 || examples > 10) throw invalidField('examples', 'a whole number from 0 to 10');
    const aggregates = await this.spans.edges(from, to);
    const edges = await Promise.all(
      aggregates.map(async (a) => ({
        ...a,
        // Averages of float durations come back with every digit (0.31356776674822223): keep hundredths of a ms.
        avgMs: Math.round(a.avgMs * 100) / 100,
        errorRate: a.calls === 0 ? 0 : a.errors / a.calls,
        exampleTraceIds: await this.spans.exampleTraces(a.caller, a.callee, from, to, examples),
        source: 'spans' as const,
      })),
    );
    const services = [...new Set(edges.flatMap((e) => [e.caller, e.callee]))].sort();
    return { from, to, services, edges, mermaid: dependencyMermaid(edges) };
  }
}
