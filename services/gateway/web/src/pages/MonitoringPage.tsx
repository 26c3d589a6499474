import { useEffect, useMemo, useState } from 'react';
import type { AttrInfo, CallsReply, CurveReply, TotalsReply } from '@msec/contracts';
import { Card, EmptyState, ErrorBanner, PageHeader, Table, useApi } from '../ui';
import { AlarmList, AlarmRules } from './MonitoringAlarms';
import MonitoringChart, { summarize } from './MonitoringChart';
import './MonitoringPage.css';

const DAY_MS = 86_400_000;
const todayUtc = (): string => new Date().toISOString().slice(0, 10);
const shiftDay = (day: string, by: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + by * DAY_MS).toISOString().slice(0, 10);
const isRpc = (attr: string): boolean => attr.startsWith('rpc|');
const ms = (v: number | null): string => (v === null ? '—' : `${v} ms`);

/** One attribute's curve with its comparison lines and day figures; today's curve refreshes every 30 s. */
function CurvePanel({ service, attr, host, day }: { service: string; attr: string; host: string; day: string }) {
  const query = new URLSearchParams({ service, attr, day, compare: 'yesterday,weekAgo' });
  if (host) query.set('host', host);
  const curve = useApi<CurveReply>(`/api/v1/monitoring/curve?${query}`);
  const { reload } = curve;
  useEffect(() => {
    if (day !== todayUtc()) return;
    const timer = setInterval(reload, 30_000);
    return () => clearInterval(timer);
  }, [day, reload]);
  const c = curve.data;
  const today = summarize(c?.values);
  const yesterday = summarize(c?.yesterday);
  const weekAgo = summarize(c?.weekAgo);
  const isSum = c?.kind === 'sum';
  const figure = (s: ReturnType<typeof summarize>): string => (s.points === 0 ? '—' : String(isSum ? s.total : s.max));
  return (
    <div className="mon-curve" data-testid={`curve-${attr}`} data-points={today.points} data-total={today.total}>
      <div className="mon-curve-head">
        <strong>
          <code>{attr}</code>
        </strong>
        <span className="muted small">
          {host || 'all hosts'} · {c?.kind ?? 'no data'} · {isSum ? 'day total' : 'day max'}: today {figure(today)}, yesterday{' '}
          {figure(yesterday)}, a week ago {figure(weekAgo)}
        </span>
      </div>
      <ErrorBanner error={curve.error} />
      {c && (today.points > 0 || yesterday.points > 0 || weekAgo.points > 0) ? (
        <MonitoringChart curve={c} />
      ) : (
        !curve.loading && !curve.error && <p className="muted small">Nothing reported on {day} (UTC).</p>
      )}
    </div>
  );
}

/** Caller → callee → method table of the day, for calls the service makes or receives. */
function CallsTable({ service, day }: { service: string; day: string }) {
  const calls = useApi<CallsReply>(`/api/v1/monitoring/calls?day=${day}`);
  const rows = (calls.data?.rows ?? []).filter((r) => !service || r.caller === service || r.callee === service);
  return (
    <Card title="Calls (caller → callee)" testId="calls">
      <ErrorBanner error={calls.error} />
      {rows.length === 0 ? (
        !calls.loading &&
        !calls.error && (
          <EmptyState title="No calls">
            RPC calls made or received by {service || 'any service'} on {day} appear here.
          </EmptyState>
        )
      ) : (
        <Table
          rows={rows}
          rowKey={(r) => `${r.caller}|${r.callee}|${r.method}`}
          columns={[
            { title: 'Caller', render: (r) => r.caller },
            { title: 'Callee', render: (r) => r.callee },
            { title: 'Method', render: (r) => <code>{r.method}</code> },
            { title: 'Requests', render: (r) => String(r.requests), className: 'num' },
            {
              title: 'Failures',
              className: 'num',
              render: (r) => (
                <span
                  title={Object.entries(r.failuresByCode)
                    .map(([code, n]) => `${code}: ${n}`)
                    .join(', ')}
                >
                  {r.failures}
                  {r.requests > 0 && r.failures > 0 ? ` (${Math.round((r.failures / r.requests) * 1000) / 10} %)` : ''}
                </span>
              ),
            },
            { title: 'Error codes', render: (r) => Object.keys(r.failuresByCode).join(', ') || '—' },
            { title: 'p50', render: (r) => ms(r.p50), className: 'num' },
            { title: 'p95', render: (r) => ms(r.p95), className: 'num' },
            { title: 'p99', render: (r) => ms(r.p99), className: 'num' },
            {
              title: 'Counted by',
              render: (r) => (
                <span
                  title={
                    r.side === 'callee'
                      ? 'the callee: every request that reached it, from any client'
                      : 'the caller: the callee reports no statistics (calls that never arrived are included)'
                  }
                >
                  {r.side ?? 'caller'}
                </span>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}

/** Monitoring: per-minute curves (today, yesterday, a week ago) by service or host, call tables, alarm rules and alarms. */
export default function MonitoringPage() {
  const services = useApi<{ items: string[] }>('/api/v1/monitoring/services');
  const [service, setService] = useState('');
  const [day, setDay] = useState(todayUtc);
  const [host, setHost] = useState('');
  const [filter, setFilter] = useState('');
  const [showRpc, setShowRpc] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);

  const serviceList = services.data?.items ?? [];
  useEffect(() => {
    if (!service && serviceList.length > 0) setService(serviceList[0]!);
  }, [service, serviceList]);

  const svc = encodeURIComponent(service);
  const attrs = useApi<{ items: AttrInfo[] }>(service ? `/api/v1/monitoring/attrs?service=${svc}` : null);
  const hosts = useApi<{ items: string[] }>(service ? `/api/v1/monitoring/hosts?service=${svc}` : null);
  const totalsQuery = new URLSearchParams({ service, day });
  if (host) totalsQuery.set('host', host);
  const totals = useApi<TotalsReply>(service ? `/api/v1/monitoring/totals?${totalsQuery}` : null);
  const totalOf = useMemo(() => new Map((totals.data?.totals ?? []).map((t) => [t.attr, t.value])), [totals.data]);

  const shown = (attrs.data?.items ?? []).filter(
    (a) => (showRpc || !isRpc(a.attr)) && a.attr.toLowerCase().includes(filter.trim().toLowerCase()),
  );
  const toggle = (attr: string, on: boolean): void =>
    setPicked((p) => (on ? [...p.filter((x) => x !== attr), attr] : p.filter((x) => x !== attr)));
  const pickService = (name: string): void => {
    setService(name);
    setHost('');
    setPicked([]);
  };
  const today = todayUtc();

  return (
    <>
      <PageHeader title="Monitoring" subtitle="Per-minute business and RPC metrics, and the alarms raised on them. Days are UTC." />
      <Card testId="curve-controls">
        <div className="mon-controls">
          <label>
            Service
            <select aria-label="Service" value={service} onChange={(e) => pickService(e.target.value)}>
              {!service && <option value="">—</option>}
              {serviceList.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Host
            <select aria-label="Host" value={host} onChange={(e) => setHost(e.target.value)}>
              <option value="">All hosts (service)</option>
              {(hosts.data?.items ?? []).map((h) => (
                <option key={h} value={h}>
                  {h}
                </option>
              ))}
            </select>
          </label>
          <div className="mon-day">
            <button onClick={() => setDay((d) => shiftDay(d, -1))} aria-label="Previous day">
              ◀
            </button>
            <label>
              Day
              <input aria-label="Day" type="date" value={day} max={today} onChange={(e) => e.target.value && setDay(e.target.value)} />
            </label>
            <button onClick={() => setDay((d) => shiftDay(d, 1))} disabled={day >= today} aria-label="Next day">
              ▶
            </button>
          </div>
        </div>
        {services.error ? (
          <EmptyState title="Monitoring is not available">
            The monitor service does not answer ({services.error.code}); it starts with <code>./msec up</code>.
          </EmptyState>
        ) : serviceList.length === 0 && !services.loading ? (
          <EmptyState title="Nothing reported yet">
            Services appear here once they report: <code>monitor.add('login_fail')</code> with MonitorReporter from @msec/sdk.
          </EmptyState>
        ) : (
          <div className="mon-layout">
            <div className="mon-attrs">
              <label>
                Filter attributes
                <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="e.g. login" />
              </label>
              <label className="mon-check">
                <input type="checkbox" checked={showRpc} onChange={(e) => setShowRpc(e.target.checked)} /> RPC attributes
              </label>
              <ul>
                {shown.map((a) => (
                  <li key={a.attr}>
                    <label className="mon-check">
                      <input type="checkbox" checked={picked.includes(a.attr)} onChange={(e) => toggle(a.attr, e.target.checked)} />
                      <span className="ellipsis">{a.attr}</span>
                    </label>
                    <span className="muted small" aria-hidden>
                      {totalOf.has(a.attr) ? totalOf.get(a.attr) : '—'}
                    </span>
                  </li>
                ))}
              </ul>
              {attrs.data && shown.length === 0 && <p className="muted small">No attribute matches.</p>}
            </div>
            <div className="mon-curves">
              {picked.length === 0 ? (
                <EmptyState title="Pick attributes">Each one gets a curve with yesterday and a week ago for comparison.</EmptyState>
              ) : (
                picked.map((attr) => <CurvePanel key={attr} service={service} attr={attr} host={host} day={day} />)
              )}
            </div>
          </div>
        )}
      </Card>
      <CallsTable service={service} day={day} />
      <AlarmList service={service} />
      <AlarmRules service={service} attr={picked[0] ?? ''} />
    </>
  );
}
