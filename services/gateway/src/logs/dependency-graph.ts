import type { CallRow, DependencyEdge, DependencyGraph } from '@msec/contracts';

const round = (value: number): number => Math.round(value * 100) / 100;
const ms = (value: number): string => `${Math.round(value * 10) / 10} ms`;
/** Mermaid labels: quotes become #quot; so user text cannot break out of the label. */
const label = (text: string): string => `"${text.replace(/"/g, '#quot;').replace(/[\r\n]+/g, ' ')}"`;

/** Mermaid flow chart of a dependency graph: calls, error rate and average latency on each edge. */
export function dependencyMermaid(edges: readonly DependencyEdge[]): string {
  const ids = new Map<string, string>();
  const id = (service: string): string => {
    if (!ids.has(service)) ids.set(service, `s${ids.size}`);
    return ids.get(service)!;
  };
  const lines = edges.map(
    (e) =>
      `  ${id(e.caller)} -->|${label(`${e.calls} calls, ${Math.round(e.errorRate * 1000) / 10}% errors, avg ${ms(e.avgMs)}`)}| ${id(e.callee)}`,
  );
  return ['flowchart LR', ...[...ids].map(([service, i]) => `  ${i}[${label(service)}]`), ...lines].join('\n') + '\n';
}

/**
 * The dependency graph of a range from the monitor's call statistics (exact under sampling) with example trace ids
 * from the log service's spans. An edge the statistics do not know (a caller that reports no statistics) is kept as
 * the spans give it; without statistics the graph is the spans' graph.
 */
export function mergeDependencyGraph(
  from: number,
  to: number,
  rows: readonly CallRow[],
  spans: DependencyGraph | undefined,
): DependencyGraph {
  const fromSpans = new Map((spans?.edges ?? []).map((e) => [`${e.caller}>${e.callee}`, e]));
  const edges = new Map<string, DependencyEdge & { latencyWeight: number; latencySum: number }>();
  for (const row of rows) {
    const key = `${row.caller}>${row.callee}`;
    let edge = edges.get(key);
    if (edge === undefined) {
      edge = {
        caller: row.caller,
        callee: row.callee,
        calls: 0,
        errors: 0,
        errorRate: 0,
        avgMs: 0,
        maxMs: 0,
        exampleTraceIds: fromSpans.get(key)?.exampleTraceIds ?? [],
        source: 'statistics',
        latencyWeight: 0,
        latencySum: 0,
      };
      edges.set(key, edge);
    }
    edge.calls += row.requests;
    edge.errors += row.failures;
    if (row.avgMs !== null) {
      edge.latencySum += row.avgMs * row.requests;
      edge.latencyWeight += row.requests;
    }
    if (row.maxMs !== null) edge.maxMs = Math.max(edge.maxMs, row.maxMs);
  }
  const out: DependencyEdge[] = [];
  for (const { latencySum, latencyWeight, ...edge } of edges.values()) {
    if (edge.calls === 0) continue;
    out.push({ ...edge, errorRate: edge.errors / edge.calls, avgMs: latencyWeight === 0 ? 0 : round(latencySum / latencyWeight) });
  }
  for (const [key, edge] of fromSpans) if (!edges.has(key)) out.push({ ...edge, source: 'spans' });
  out.sort((a, b) => a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee));
  const services = [...new Set(out.flatMap((e) => [e.caller, e.callee]))].sort();
  return { from, to, services, edges: out, mermaid: dependencyMermaid(out) };
}
