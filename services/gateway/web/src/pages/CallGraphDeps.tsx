import { useMemo, useState } from 'react';
import { Card, EmptyState, ErrorBanner, useApi } from '../ui';

interface DependencyEdge {
  caller: string;
  callee: string;
  calls: number;
  errors: number;
  errorRate: number;
  avgMs: number;
  maxMs: number;
  exampleTraceIds: string[];
}

interface DependencyGraph {
  from: number;
  to: number;
  services: string[];
  edges: DependencyEdge[];
  mermaid: string;
}

const RANGES = [
  { label: 'last 15 minutes', ms: 15 * 60_000 },
  { label: 'last hour', ms: 3_600_000 },
  { label: 'last 6 hours', ms: 6 * 3_600_000 },
  { label: 'last 24 hours', ms: 86_400_000 },
  { label: 'last 7 days', ms: 7 * 86_400_000 },
];

const NODE_W = 170;
const NODE_H = 40;
const COL_GAP = 190;
const ROW_GAP = 50;
const PAD = 30;

/** Columns by call depth (longest path from a service nobody calls; cycles are cut), rows in name order. */
export function layout(services: string[], edges: DependencyEdge[]): Map<string, { x: number; y: number }> {
  const rank = new Map<string, number>(services.map((s) => [s, 0]));
  // Relax ranks at most |services| times: enough for any DAG, and it stops on cycles.
  for (let i = 0; i < services.length; i++) {
    let changed = false;
    for (const e of edges) {
      if (e.caller === e.callee) continue;
      const next = (rank.get(e.caller) ?? 0) + 1;
      if (next > (rank.get(e.callee) ?? 0) && next < services.length) {
        rank.set(e.callee, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const columns = new Map<number, string[]>();
  for (const s of [...services].sort()) columns.set(rank.get(s) ?? 0, [...(columns.get(rank.get(s) ?? 0) ?? []), s]);
  const pos = new Map<string, { x: number; y: number }>();
  for (const [col, names] of columns)
    names.forEach((name, row) => pos.set(name, { x: PAD + col * (NODE_W + COL_GAP), y: PAD + row * (NODE_H + ROW_GAP) }));
  return pos;
}

const pct = (r: number): string => `${Math.round(r * 1000) / 10}%`;
const short = (s: string): string => (s.length > 22 ? `${s.slice(0, 21)}…` : s);

/** The dependency graph of a time range, drawn as boxes and arrows; each edge links to an example trace. */
export default function CallGraphDeps({ onTrace }: { onTrace: (traceId: string) => void }) {
  const [rangeMs, setRangeMs] = useState(RANGES[1]!.ms);
  const [tick, setTick] = useState(() => Date.now());
  const path = `/api/v1/dependencies?from=${tick - rangeMs}&to=${tick + 1}`;
  const graph = useApi<DependencyGraph>(path);
  const g = graph.data;
  const pos = useMemo(() => (g ? layout(g.services, g.edges) : new Map<string, { x: number; y: number }>()), [g]);
  const width = Math.max(...[...pos.values()].map((p) => p.x + NODE_W + PAD), 300);
  const height = Math.max(...[...pos.values()].map((p) => p.y + NODE_H + PAD), 100);

  return (
    <Card
      title="Dependency graph"
      testId="dependency-graph"
      actions={
        <div className="actions">
          <select aria-label="Range" value={rangeMs} onChange={(e) => setRangeMs(Number(e.target.value))}>
            {RANGES.map((r) => (
              <option key={r.ms} value={r.ms}>
                {r.label}
              </option>
            ))}
          </select>
          <button onClick={() => setTick(Date.now())}>Refresh</button>
        </div>
      }
    >
      <ErrorBanner error={graph.error} />
      {g && g.edges.length === 0 ? (
        <EmptyState title="No calls in this range">Spans appear here once services call each other.</EmptyState>
      ) : (
        g && (
          <>
            <div className="dep-canvas">
              <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="service dependency graph">
                <defs>
                  <marker
                    id="dep-arrow"
                    viewBox="0 0 10 10"
                    refX="10"
                    refY="5"
                    markerWidth="8"
                    markerHeight="8"
                    orient="auto-start-reverse"
                  >
                    <path d="M0,0 L10,5 L0,10 z" className="dep-arrowhead" />
                  </marker>
                </defs>
                {g.edges.map((e) => {
                  const a = pos.get(e.caller);
                  const b = pos.get(e.callee);
                  if (!a || !b) return null;
                  const self = e.caller === e.callee;
                  const x1 = a.x + NODE_W;
                  const y1 = a.y + NODE_H / 2;
                  const x2 = self ? a.x + NODE_W - 20 : b.x;
                  const y2 = self ? a.y : b.y + NODE_H / 2;
                  const back = x2 <= x1;
                  const d = self
                    ? `M${x1},${y1} C${x1 + 50},${y1} ${x2 + 30},${y2 - 40} ${x2},${y2}`
                    : back
                      ? `M${a.x},${y1} C${a.x - 60},${y1 + 60} ${x2 + NODE_W + 60},${y2 + 60} ${x2 + NODE_W},${y2}`
                      : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
                  const lx = self ? x1 + 20 : back ? (a.x + x2 + NODE_W) / 2 : (x1 + x2) / 2;
                  const ly = self ? y2 - 30 : back ? Math.max(y1, y2) + 50 : Math.min(y1, y2) - 22;
                  const trace = e.exampleTraceIds[0];
                  return (
                    <g key={`${e.caller}>${e.callee}`} className={`dep-edge ${e.errors > 0 ? 'has-errors' : ''}`}>
                      <path d={d} markerEnd="url(#dep-arrow)" />
                      <text
                        x={lx}
                        y={ly}
                        textAnchor="middle"
                        className={trace ? 'dep-label link' : 'dep-label'}
                        onClick={() => trace && onTrace(trace)}
                      >
                        <tspan x={lx}>{`${e.calls} calls · ${pct(e.errorRate)} err`}</tspan>
                        <tspan x={lx} dy="14">{`avg ${e.avgMs} ms · max ${e.maxMs} ms`}</tspan>
                      </text>
                    </g>
                  );
                })}
                {[...pos].map(([name, p]) => (
                  <g key={name} className="dep-node">
                    <title>{name}</title>
                    <rect x={p.x} y={p.y} width={NODE_W} height={NODE_H} rx="8" />
                    <text x={p.x + NODE_W / 2} y={p.y + NODE_H / 2 + 5} textAnchor="middle">
                      {short(name)}
                    </text>
                  </g>
                ))}
              </svg>
            </div>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Caller → callee</th>
                    <th>Calls</th>
                    <th>Errors</th>
                    <th>Avg / max</th>
                    <th>Example traces</th>
                  </tr>
                </thead>
                <tbody>
                  {g.edges.map((e) => (
                    <tr key={`${e.caller}>${e.callee}`}>
                      <td>
                        {e.caller} → {e.callee}
                      </td>
                      <td>{e.calls}</td>
                      <td className={e.errors > 0 ? 'dep-bad' : undefined}>
                        {e.errors} ({pct(e.errorRate)})
                      </td>
                      <td>
                        {e.avgMs} / {e.maxMs} ms
                      </td>
                      <td>
                        {e.exampleTraceIds.map((t) => (
                          <button key={t} className="link small dep-trace" onClick={() => onTrace(t)} title={t}>
                            {t.slice(0, 12)}…
                          </button>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <details>
              <summary className="muted small">Mermaid</summary>
              <pre className="mermaid-text">{g.mermaid}</pre>
            </details>
          </>
        )
      )}
    </Card>
  );
}
