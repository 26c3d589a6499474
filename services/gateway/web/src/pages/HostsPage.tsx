import { useCallback, useEffect, useState } from 'react';
import type { HostView } from '@msec/contracts';
import { ApiError, api, get, type Page } from '../api';
import { useLiveEvents } from '../live';
import { Can, Card, EmptyState, ErrorBanner, PageHeader, Table, useMutation } from '../ui';
import { HostsEnroll } from './HostsEnroll';
import { HostsRemote } from './HostsRemote';
import './ReleasesPage.css';

const REFRESH_MS = 2000;

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
const pct = (used: number, total: number): number => (total > 0 ? Math.round((used / total) * 100) : 0);

/** "3 s ago", "5 min ago". */
export function ago(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return new Date(at).toLocaleString();
}

/** A small horizontal gauge with its percentage. */
function Gauge({ value, label }: { value: number; label: string }) {
  return (
    <span className="gauge" title={label}>
      <span className="gauge-track">
        <span className={`gauge-fill${value >= 90 ? ' bad' : value >= 75 ? ' warn' : ''}`} style={{ width: `${Math.min(100, value)}%` }} />
      </span>
      <span className="small">{label}</span>
    </span>
  );
}

/** Every host in pages of 200, refreshed every 2 s and whenever a host goes up or down. */
function useHosts(): { hosts: HostView[] | undefined; error: ApiError | undefined; refresh: () => Promise<void> } {
  const [hosts, setHosts] = useState<HostView[]>();
  const [error, setError] = useState<ApiError>();
  const events = useLiveEvents(1);
  const refresh = useCallback(async () => {
    try {
      const all: HostView[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<HostView> = await get(`/api/v1/hosts?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      setHosts(all);
      setError(undefined);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'NETWORK', String(e)));
    }
  }, []);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  const last = events[0];
  useEffect(() => {
    if (last?.subject === 'msec.events.deploy.host-status') void refresh();
  }, [last, refresh]);
  return { hosts, error, refresh };
}

/** Hosts: every machine running an agent, up or down, with its load and the instances on it. */
export default function HostsPage() {
  const { hosts, error, refresh } = useHosts();
  const { act, busy, error: failure } = useMutation(() => void refresh());
  const now = Date.now();
  return (
    <>
      <PageHeader title="Hosts" subtitle="Machines running an agent: up/down, CPU, memory, disk, load and the instances on them." />
      <ErrorBanner error={error ?? failure} />
      <Card>
        {hosts === undefined && !error ? (
          <p className="muted">Loading…</p>
        ) : !hosts || hosts.length === 0 ? (
          <EmptyState title="No hosts yet">
            {error
              ? 'Hosts cannot be listed while the deploy service does not answer.'
              : 'Enrol a machine (an admin creates a token below, or ./msec hosts enroll HOST) and it appears here once its agent runs.'}
          </EmptyState>
        ) : (
          <div data-testid="hosts">
            <Table
              rows={hosts}
              rowKey={(h) => h.hostId}
              columns={[
                {
                  title: 'Host',
                  render: (h) => (
                    <span data-testid={`host-${h.hostId}`}>
                      <strong>{h.hostId}</strong> <span className={`badge ${h.status === 'up' ? 'ok' : 'bad'}`}>{h.status}</span>
                      {h.offline && (
                        <span
                          className="badge warn"
                          title={`taken offline by ${h.offline.by} ${new Date(h.offline.since).toLocaleString()}${h.offline.reason ? `: ${h.offline.reason}` : ''}`}
                        >
                          offline
                        </span>
                      )}
                      <br />
                      <span className="muted small">{h.ip}</span>
                      <Can role="admin">
                        <br />
                        {h.offline ? (
                          <button
                            className="small"
                            disabled={busy}
                            onClick={() => void act(() => api('POST', `/api/v1/hosts/${encodeURIComponent(h.hostId)}/online`, {}))}
                          >
                            Bring online
                          </button>
                        ) : (
                          <button
                            className="small"
                            disabled={busy}
                            onClick={() => {
                              const reason = window.prompt(
                                `Take ${h.hostId} offline: its instances leave routing and new releases leave it out. Why?`,
                                '',
                              );
                              if (reason !== null)
                                void act(() => api('POST', `/api/v1/hosts/${encodeURIComponent(h.hostId)}/offline`, { reason }));
                            }}
                          >
                            Take offline
                          </button>
                        )}
                      </Can>
                    </span>
                  ),
                },
                {
                  title: 'CPU',
                  render: (h) =>
                    h.metrics ? <Gauge value={Math.round(h.metrics.cpuPercent)} label={`${Math.round(h.metrics.cpuPercent)} %`} /> : '—',
                },
                {
                  title: 'Memory',
                  render: (h) =>
                    h.metrics ? (
                      <Gauge
                        value={pct(h.metrics.memTotalBytes - h.metrics.memFreeBytes, h.metrics.memTotalBytes)}
                        label={`${gib(h.metrics.memTotalBytes - h.metrics.memFreeBytes)} / ${gib(h.metrics.memTotalBytes)}`}
                      />
                    ) : (
                      '—'
                    ),
                },
                {
                  title: 'Disk',
                  render: (h) =>
                    h.metrics ? (
                      <Gauge
                        value={pct(h.metrics.diskTotalBytes - h.metrics.diskFreeBytes, h.metrics.diskTotalBytes)}
                        label={`${gib(h.metrics.diskTotalBytes - h.metrics.diskFreeBytes)} / ${gib(h.metrics.diskTotalBytes)}`}
                      />
                    ) : (
                      '—'
                    ),
                },
                { title: 'Load 1/5/15', render: (h) => (h.metrics ? h.metrics.load.map((l) => l.toFixed(2)).join(' / ') : '—') },
                {
                  title: 'Instances',
                  render: (h) =>
                    h.instances.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      h.instances.map((i) => (
                        <div key={i.name} className="small">
                          {i.service} :{i.port} v{i.packageVersion}{' '}
                          <span className={`badge ${i.status === 'running' ? 'ok' : 'warn'}`}>{i.status}</span>
                          {i.restarts > 0 && <span className="muted"> ↻{i.restarts}</span>}
                        </div>
                      ))
                    ),
                },
                {
                  title: 'Last heartbeat',
                  render: (h) => <span title={new Date(h.lastSeenAt).toLocaleString()}>{ago(h.lastSeenAt, now)}</span>,
                },
              ]}
            />
          </div>
        )}
      </Card>
      <Can role="admin">
        {hosts && hosts.length > 0 && <HostsRemote hostIds={hosts.map((h) => h.hostId)} />}
        <HostsEnroll />
      </Can>
    </>
  );
}
