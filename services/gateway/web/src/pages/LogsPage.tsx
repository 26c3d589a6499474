import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import type { LogLine } from '@msec/contracts';
import { ApiError, get, type Page } from '../api';
import { Link } from '../router';
import { Card, EmptyState, ErrorBanner, PageHeader } from '../ui';
import LogsColourRules from './LogsColourRules';
import LogsStorage from './LogsStorage';
import './LogsPage.css';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
/** Most lines the live tail keeps on screen. */
const TAIL_MAX = 500;

interface Filters {
  service: string;
  host: string;
  instance: string;
  traceId: string;
  levels: string[];
  minLevel: string;
  fields: string;
  text: string;
  from: string;
  to: string;
  limit: string;
}

const EMPTY: Filters = {
  service: '',
  host: '',
  instance: '',
  traceId: '',
  levels: [],
  minLevel: '',
  fields: '',
  text: '',
  from: '',
  to: '',
  limit: '50',
};

/** The query string of a search (or, without time range and page size, of the live tail). */
function queryOf(f: Filters, forTail = false): URLSearchParams {
  const q = new URLSearchParams();
  for (const key of ['service', 'host', 'instance', 'traceId', 'minLevel', 'text'] as const) if (f[key].trim()) q.set(key, f[key].trim());
  if (f.levels.length > 0) q.set('level', f.levels.join(','));
  for (const pair of f.fields.split(',').map((p) => p.trim())) if (pair) q.append('field', pair);
  if (!forTail) {
    if (f.from) q.set('from', new Date(f.from).toISOString());
    if (f.to) q.set('to', new Date(f.to).toISOString());
    if (f.limit) q.set('limit', f.limit);
  }
  return q;
}

const levelClass = (level: string): string =>
  level === 'ERROR' || level === 'FATAL' ? 'bad' : level === 'WARN' ? 'warn' : level === 'INFO' ? 'ok' : '';

const time = (ts: number): string => {
  const d = new Date(ts);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString()}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

/** The results table: newest first, a click on a line shows its fields. */
function LogTable({ lines }: { lines: LogLine[] }) {
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <div className="table-wrap">
      <table className="log-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Level</th>
            <th>Service</th>
            <th>Host</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <Fragment key={l.id}>
              <tr className="log-row" onClick={() => toggle(l.id)} aria-expanded={open.has(l.id)}>
                <td className="log-time">{time(l.ts)}</td>
                <td>
                  <span className={`badge level ${levelClass(l.level)}`} data-level={l.level}>
                    {l.level}
                  </span>
                </td>
                <td>{l.service}</td>
                <td>{l.host}</td>
                <td className="log-message">{l.message}</td>
              </tr>
              {open.has(l.id) && (
                <tr className="log-detail">
                  <td colSpan={5}>
                    <dl>
                      <dt>instance</dt>
                      <dd>{l.instance}</dd>
                      {l.traceId && (
                        <>
                          <dt>trace</dt>
                          <dd>
                            <Link to={`/call-graph?trace=${encodeURIComponent(l.traceId)}`}>{l.traceId}</Link>
                          </dd>
                        </>
                      )}
                      {l.spanId && (
                        <>
                          <dt>span</dt>
                          <dd>{l.spanId}</dd>
                        </>
                      )}
                      {Object.entries(l.fields ?? {}).map(([k, v]) => (
                        <Fragment key={k}>
                          <dt>{k}</dt>
                          <dd>{String(v)}</dd>
                        </Fragment>
                      ))}
                    </dl>
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Logs: search with every filter, load more by cursor, live tail, colouring rules. */
export default function LogsPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [tail, setTail] = useState(false);
  const [tailUp, setTailUp] = useState(false);
  const searchId = useRef(0);

  const run = async (f: Filters, after: string | null) => {
    const id = ++searchId.current;
    setBusy(true);
    setError(undefined);
    try {
      const q = queryOf(f);
      if (after) q.set('cursor', after);
      const page = await get<Page<LogLine>>(`/api/v1/logs?${q}`);
      if (id !== searchId.current) return;
      setLines((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      if (id === searchId.current) setError(e instanceof ApiError ? e : new ApiError(0, 'NETWORK', String(e)));
    } finally {
      if (id === searchId.current) setBusy(false);
    }
  };

  useEffect(() => {
    void run(EMPTY, null);
  }, []);

  useEffect(() => {
    if (!tail) return;
    const source = new EventSource(`/api/v1/logs/tail?${queryOf(applied, true)}`);
    source.onopen = () => setTailUp(true);
    source.onerror = () => setTailUp(false);
    source.addEventListener('lines', (m) => {
      const batch = JSON.parse((m as MessageEvent<string>).data) as LogLine[];
      setLines((prev) => [...[...batch].reverse(), ...prev].slice(0, TAIL_MAX));
    });
    return () => {
      source.close();
      setTailUp(false);
    };
  }, [tail, applied]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(draft);
    void run(draft, null);
  };
  const set = <K extends keyof Filters>(key: K, value: Filters[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const toggleLevel = (level: string) =>
    set('levels', draft.levels.includes(level) ? draft.levels.filter((l) => l !== level) : [...draft.levels, level]);
  const bad = (name: string) => (error?.field === `query.${name}` ? 'invalid' : undefined);

  return (
    <>
      <PageHeader
        title="Logs"
        subtitle="Structured logs from every host: search by service, host, level, trace, field and text; follow them live."
      />
      <Card title="Search">
        <form className="log-search" onSubmit={submit} data-testid="log-search" noValidate>
          <label className={bad('service')}>
            Service
            <input value={draft.service} onChange={(e) => set('service', e.target.value)} placeholder="Flight.mod_flight" />
          </label>
          <label className={bad('host')}>
            Host
            <input value={draft.host} onChange={(e) => set('host', e.target.value)} placeholder="10.0.0.7" />
          </label>
          <label className={bad('instance')}>
            Instance
            <input value={draft.instance} onChange={(e) => set('instance', e.target.value)} placeholder="10.0.0.7:7963" />
          </label>
          <label className={bad('traceId')}>
            Trace id
            <input value={draft.traceId} onChange={(e) => set('traceId', e.target.value)} />
          </label>
          <label className={bad('minLevel')}>
            Min level
            <select value={draft.minLevel} onChange={(e) => set('minLevel', e.target.value)}>
              <option value="">any</option>
              {LEVELS.map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <label className={bad('field')}>
            Fields
            <input value={draft.fields} onChange={(e) => set('fields', e.target.value)} placeholder="name=bison, city=SZX" />
          </label>
          <label className={bad('text')}>
            Text contains
            <input value={draft.text} onChange={(e) => set('text', e.target.value)} placeholder="timeout" />
          </label>
          <label className={bad('from')}>
            From
            <input type="datetime-local" step="1" value={draft.from} onChange={(e) => set('from', e.target.value)} />
          </label>
          <label className={bad('to')}>
            To
            <input type="datetime-local" step="1" value={draft.to} onChange={(e) => set('to', e.target.value)} />
          </label>
          <label className={bad('limit')}>
            Page size
            <select value={draft.limit} onChange={(e) => set('limit', e.target.value)}>
              {['20', '50', '100', '200'].map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
          <fieldset className={`log-levels ${bad('level') ?? ''}`}>
            <legend>Levels</legend>
            {LEVELS.map((l) => (
              <label key={l} className="log-check">
                <input type="checkbox" checked={draft.levels.includes(l)} onChange={() => toggleLevel(l)} /> {l}
              </label>
            ))}
          </fieldset>
          <div className="actions log-search-actions">
            <button className="primary" type="submit" disabled={busy}>
              Search
            </button>
            <button
              type="button"
              onClick={() => {
                setDraft(EMPTY);
                setApplied(EMPTY);
                void run(EMPTY, null);
              }}
            >
              Clear
            </button>
            <label className="log-check log-tail-toggle">
              <input type="checkbox" checked={tail} onChange={(e) => setTail(e.target.checked)} /> Live tail
              {tail && <span className={`dot ${tailUp ? 'ok' : 'bad'}`} title={tailUp ? 'connected' : 'not connected'} />}
            </label>
          </div>
        </form>
      </Card>
      <Card title={tail ? 'Lines (live, newest first)' : 'Lines (newest first)'} testId="log-results">
        <ErrorBanner error={error} />
        {lines.length === 0 ? (
          !busy && !error && <EmptyState title="No log lines match">Loosen the filters, or widen the time range.</EmptyState>
        ) : (
          <LogTable lines={lines} />
        )}
        {cursor && !tail && (
          <button className="more" disabled={busy} onClick={() => void run(applied, cursor)}>
            Load more
          </button>
        )}
      </Card>
      <LogsColourRules />
      <LogsStorage />
    </>
  );
}
