import type { DependencyEdge, SpanRecord, TraceNode, TraceView } from '@msec/contracts';

const ms = (value: number): string => `${Math.round(value * 10) / 10} ms`;
/** Mermaid labels: quotes become #quot; so user text cannot break out of the label. */
const label = (text: string): string => `"${text.replace(/"/g, '#quot;').replace(/[\r\n]+/g, ' ')}"`;

/** Stable Mermaid node ids for service names (which contain dots and other characters Mermaid ids refuse). */
class NodeIds {
  private readonly ids = new Map<string, string>();
  id(service: string): string {
    let id = this.ids.get(service);
    if (!id) {
      id = `s${this.ids.size}`;
      this.ids.set(service, id);
    }
    return id;
  }
  declarations(): string[] {
    return [...this.ids].map(([service, id]) => `  ${id}[${label(service)}]`);
  }
}

/** Builds the call tree of one trace: spans under their parent, siblings by start; orphans (parent not stored) become roots. */
export function buildTrace(traceId: string, spans: readonly SpanRecord[]): TraceView {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.spanId.localeCompare(b.spanId));
  const start = sorted.length > 0 ? sorted[0]!.start : 0;
  const end = sorted.reduce((max, s) => Math.max(max, s.start + s.duration), start);
  const nodes = new Map<string, TraceNode>(
    sorted.map((span) => [span.spanId, { span, offset: span.start - start, depth: 0, children: [] }]),
  );
  const roots: TraceNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId !== undefined ? nodes.get(node.span.parentSpanId) : undefined;
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const waterfall: TraceView['waterfall'] = [];
  const visit = (node: TraceNode, depth: number): void => {
    node.depth = depth;
    const row: TraceView['waterfall'][number] = {
      spanId: node.span.spanId,
      depth,
      label: `${node.span.caller} → ${node.span.callee} ${node.span.method}`,
      offset: node.offset,
      duration: node.span.duration,
      status: node.span.status,
    };
    if (node.span.parentSpanId !== undefined) row.parentSpanId = node.span.parentSpanId;
    waterfall.push(row);
    for (const child of node.children) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return {
    traceId,
    start,
    duration: end - start,
    spanCount: sorted.length,
    roots,
    waterfall,
    mermaidWaterfall: traceWaterfallMermaid(traceId, start, waterfall),
    mermaidFlow: traceFlowMermaid(roots),
  };
}

/** Mermaid gantt of a waterfall: one bar per span, indented by depth, errors marked crit. */
export function traceWaterfallMermaid(traceId: string, start: number, rows: TraceView['waterfall']): string {
  const lines = ['gantt', `  title Trace ${traceId}`, '  dateFormat x', '  axisFormat %S.%L'];
  rows.forEach((row, i) => {
    const text = `${'· '.repeat(row.depth)}${row.label} (${ms(row.duration)})`.replace(/[:#;]/g, ' ');
    const from = Math.round(start + row.offset);
    const to = Math.max(from + 1, Math.round(start + row.offset + row.duration));
    lines.push(`  ${text} :${row.status === 'error' ? 'crit, ' : ''}t${i}, ${from}, ${to}`);
  });
  return lines.join('\n') + '\n';
}

/** Mermaid flow chart of one trace: caller → callee labelled with the method and its duration, in call order. */
export function traceFlowMermaid(roots: readonly TraceNode[]): string {
  const ids = new NodeIds();
  const edges: string[] = [];
  const visit = (node: TraceNode): void => {
    const s = node.span;
    const arrow = s.status === 'error' ? '-.->' : '-->';
    edges.push(
      `  ${ids.id(s.caller)} ${arrow}|${label(`${s.method} ${ms(s.duration)}${s.status === 'error' ? ` ${s.errorCode ?? 'error'}` : ''}`)}| ${ids.id(s.callee)}`,
    );
    for (const child of node.children) visit(child);
  };
  for (const root of roots) visit(root);
  return ['flowchart LR', ...ids.declarations(), ...edges].join('\n') + '\n';
}

/** Mermaid flow chart of a dependency graph: calls, error rate and average latency on each edge. */
export function dependencyMermaid(edges: readonly DependencyEdge[]): string {
  const ids = new NodeIds();
  const lines = edges.map(
    (e) =>
      `  ${ids.id(e.caller)} -->|${label(`${e.calls} calls, ${Math.round(e.errorRate * 1000) / 10}% errors, avg ${ms(e.avgMs)}`)}| ${ids.id(e.callee)}`,
  );
  return ['flowchart LR', ...ids.declarations(), ...lines].join('\n') + '\n';
}
