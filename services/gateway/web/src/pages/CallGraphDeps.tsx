import { useMemo, useState } from 'react';
import type { DependencyGraph } from '@msec/contracts';
import { Card, EmptyState, ErrorBanner, useApi } from '../ui';
import { LABEL_H, LABEL_W, NODE_H, NODE_W, formatMs, layoutGraph } from './dependency-layout';

const RANGES = [
  { label: 'last 15 minutes', ms: 15 * 60_000 },
  { label: 'last hour', ms: 3_600_000 },
  { label: 'last 6 hours', ms: 6 * 3_600_000 },
  { label: 'last 24 hours', ms: 86_400_000 },
  { label: 'last 7 days', ms: 7 * 86_400_000 },
];

const pct = (r: number): string => `${Math.round(r * 1000) / 10}%`;
const short = (s: string): string => (s.length > 22 ? `${s.slice(0, 21)}…` : s);

/** The dependency graph of a time range, drawn as boxes and arrows; each edge links to an example trace. */
export default function CallGraphDeps({ onTrace }: { onTrace: (traceId: string) => void }) {
  const [rangeMs, setRangeMs] = useState(RANGES[1]!.ms);
  const [tick, setTick] = useState(() => Date.now());
  const path = `/api/v1/dependencies?from=${tick - rangeMs}&to=${tick + 1}`;
  const graph = useApi<DependencyGraph>(path);
  const g = graph.data;
  const drawing = useMemo(() => (g ? layoutGraph(g.services, g.edges) : undefined), [g]);
  const { width = 300, height = 100 } = drawing ?? {};

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
        <EmptyState title="No calls in this range">Calls appear here once services call each other.</EmptyState>
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
                {g.edges.map((e, i) => {
                  const at = drawing?.edges[i];
                  if (!at) return null;
                  const trace = e.exampleTraceIds[0];
                  return (
                    <g key={`${e.caller}>${e.callee}`} className={`dep-edge ${e.errors > 0 ? 'has-errors' : ''}`} data-testid="dep-edge">
                      <path d={at.d} markerEnd="url(#dep-arrow)" />
                      <rect
                        className="dep-label-box"
                        x={at.labelX - LABEL_W / 2}
                        y={at.labelY - LABEL_H / 2}
                        width={LABEL_W}
                        height={LABEL_H}
                        rx="4"
                      />
                      <text
                        x={at.labelX}
                        y={at.labelY - 3}
                        textAnchor="middle"
                        className={trace ? 'dep-label link' : 'dep-label'}
                        onClick={() => trace && onTrace(trace)}
                      >
                        <title>{`${e.caller} → ${e.callee}${trace ? ': open an example trace' : ''}`}</title>
                        <tspan x={at.labelX}>{`${e.calls} calls · ${pct(e.errorRate)} err`}</tspan>
                        <tspan x={at.labelX} dy="13">{`avg ${formatMs(e.avgMs)} · max ${formatMs(e.maxMs)}`}</tspan>
                      </text>
                    </g>
                  );
                })}
                {[...(drawing?.nodes ?? [])].map(([name, p]) => (
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
                        {formatMs(e.avgMs)} / {formatMs(e.maxMs)}
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
