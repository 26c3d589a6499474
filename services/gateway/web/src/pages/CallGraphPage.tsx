import { useEffect, useState, type FormEvent } from 'react';
import type { TraceNode, TraceView } from '@msec/contracts';
import { ApiError, get } from '../api';
import { Card, ErrorBanner, PageHeader } from '../ui';
import CallGraphDeps from './CallGraphDeps';
import CallGraphSampling from './CallGraphSampling';
import './CallGraphPage.css';

const ms = (v: number): string => `${Math.round(v * 100) / 100} ms`;

/** Waterfall: one row per span, depth first, its bar placed by offset and sized by duration. */
function Waterfall({ view }: { view: TraceView }) {
  const total = Math.max(view.duration, 0.001);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div className="wf" data-testid="waterfall">
      <div className="wf-row wf-axis">
        <div className="wf-label" />
        <div className="wf-track">
          {ticks.map((t) => (
            <span key={t} className="wf-tick" style={{ left: `${t * 100}%` }}>
              {ms(t * view.duration)}
            </span>
          ))}
        </div>
        <div />
      </div>
      {view.waterfall.map((w) => (
        <div key={w.spanId} className={`wf-row ${w.status === 'error' ? 'error' : ''}`}>
          <div className="wf-label" style={{ paddingLeft: `${w.depth * 16}px` }} title={w.label}>
            {w.label}
          </div>
          <div className="wf-track">
            <div
              className="wf-bar"
              style={{ left: `${(w.offset / total) * 100}%`, width: `max(2px, ${(w.duration / total) * 100}%)` }}
              title={`+${ms(w.offset)}, ${ms(w.duration)}`}
            />
          </div>
          <div className="wf-time">{ms(w.duration)}</div>
        </div>
      ))}
    </div>
  );
}

/** The call tree with each span's timings, status and host. */
function CallTree({ nodes }: { nodes: TraceNode[] }) {
  return (
    <ul className="call-tree">
      {nodes.map((n) => (
        <li key={n.span.spanId}>
          <span className={`badge ${n.span.status === 'error' ? 'bad' : 'ok'}`}>{n.span.status}</span> <strong>{n.span.caller}</strong> →{' '}
          <strong>{n.span.callee}</strong> <code>{n.span.method}</code>{' '}
          <span className="muted small">
            +{ms(n.offset)} · {ms(n.span.duration)}
            {n.span.errorCode ? ` · ${n.span.errorCode}` : ''}
            {n.span.host ? ` · ${n.span.host}` : ''}
          </span>
          {n.children.length > 0 && <CallTree nodes={n.children} />}
        </li>
      ))}
    </ul>
  );
}

const traceFromUrl = (): string => new URLSearchParams(window.location.search).get('trace') ?? '';

/** Call graph: one trace as a waterfall and call tree; the dependency graph of a time range. */
export default function CallGraphPage() {
  const [draft, setDraft] = useState(traceFromUrl);
  const [traceId, setTraceId] = useState(traceFromUrl);
  const [view, setView] = useState<TraceView | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!traceId) return;
    let live = true;
    setLoading(true);
    setError(undefined);
    get<TraceView>(`/api/v1/traces/${encodeURIComponent(traceId)}`).then(
      (v) => {
        if (!live) return;
        setView(v);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setView(undefined);
        setError(e instanceof ApiError ? e : new ApiError(0, 'NETWORK', String(e)));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [traceId]);

  const open = (id: string) => {
    setDraft(id);
    setTraceId(id);
    window.history.replaceState(null, '', `/call-graph?trace=${encodeURIComponent(id)}`);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (draft.trim()) open(draft.trim());
  };

  return (
    <>
      <PageHeader title="Call graph" subtitle="Who called whom for one request, with timings; and which services call which." />
      <Card title="Trace">
        <form className="toolbar" onSubmit={submit}>
          <label className="trace-input">
            Trace id
            <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="a trace id from a log line" />
          </label>
          <button className="primary" type="submit" disabled={loading}>
            Show trace
          </button>
        </form>
        <ErrorBanner error={error} />
        {view && (
          <>
            <p className="muted small" data-testid="trace-summary">
              {view.spanCount} spans · {ms(view.duration)} · started {new Date(view.start).toLocaleString()}
            </p>
            <Waterfall view={view} />
            <h3>Call tree</h3>
            <CallTree nodes={view.roots} />
            <details>
              <summary className="muted small">Mermaid (flow chart and gantt)</summary>
              <pre className="mermaid-text">{view.mermaidFlow}</pre>
              <pre className="mermaid-text">{view.mermaidWaterfall}</pre>
            </details>
          </>
        )}
      </Card>
      <CallGraphDeps onTrace={open} />
      <CallGraphSampling />
    </>
  );
}
