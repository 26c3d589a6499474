import type { ComponentStatus, ReleasePlanView } from '@msec/contracts';
import { useLiveEvents } from '../live';
import { Link } from '../router';
import { Card, EmptyState, ErrorBanner, PageHeader, Table, useApi, when } from '../ui';

/** A number tile fed by a list endpoint that another area provides; "—" until that API exists. */
function Stat({ label, endpoint, to, count }: { label: string; endpoint: string; to: string; count?: (items: unknown[]) => number }) {
  const { data, error, loading } = useApi<{ items: unknown[] }>(endpoint);
  const value = loading ? '…' : error ? '—' : String(count ? count(data?.items ?? []) : (data?.items.length ?? 0));
  return (
    <Link to={to} className="stat">
      <span className="stat-value" data-testid={`stat-${label}`}>
        {value}
      </span>
      <span className="stat-label">{label}</span>
      {error && <span className="stat-note">{error.status === 404 ? 'not available yet' : error.code}</span>}
    </Link>
  );
}

/** Home: hosts up, services, alarms, recent releases, platform components and live events. */
export default function DashboardPage() {
  const components = useApi<{ items: ComponentStatus[] }>('/api/v1/components');
  const releases = useApi<{ items: ReleasePlanView[] }>('/api/v1/releases?limit=5');
  const events = useLiveEvents(15);
  return (
    <>
      <PageHeader title="Dashboard" subtitle="The platform at a glance." />
      <div className="stats">
        <Stat
          label="Hosts up"
          endpoint="/api/v1/hosts"
          to="/hosts"
          count={(items) => items.filter((h) => (h as { status?: string }).status === 'up').length}
        />
        <Stat label="Services" endpoint="/api/v1/services" to="/services" />
        <Stat label="Active alarms" endpoint="/api/v1/alarms" to="/monitoring" />
        <Stat label="Releases" endpoint="/api/v1/releases?limit=5" to="/releases" />
      </div>
      <div className="grid-2">
        <Card title="Recent releases" testId="recent-releases">
          {releases.error?.status === 404 || releases.error?.status === 503 || releases.data?.items.length === 0 ? (
            <EmptyState title="No releases yet">
              {releases.error?.status === 503
                ? 'The deploy service is not answering; release plans show here once it runs.'
                : 'Release plans will be listed here with their progress.'}
            </EmptyState>
          ) : releases.error ? (
            <ErrorBanner error={releases.error} />
          ) : (
            <Table
              rows={releases.data?.items ?? []}
              rowKey={(r) => r.planId}
              columns={[
                { title: 'Release', render: (r) => `${r.target.packageName}@${r.target.packageVersion}` },
                { title: 'Service', render: (r) => r.service },
                { title: 'State', render: (r) => r.state },
                { title: 'Created', render: (r) => when(new Date(r.createdAt).toISOString()) },
              ]}
            />
          )}
        </Card>
        <Card title="Platform components" testId="components">
          {components.error ? (
            <ErrorBanner error={components.error} />
          ) : (
            <ul className="status-list">
              {(components.data?.items ?? []).map((c) => (
                <li key={c.component}>
                  <span className={`dot ${c.ready ? 'ok' : 'bad'}`} aria-hidden />
                  <span className="name">{c.component}</span>
                  <span className="muted small">{c.ready ? 'ready' : c.detail || 'not ready'}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <Card title="Live events" testId="live-events">
        {events.length === 0 ? (
          <EmptyState title="Waiting for events">Releases, alarms and scaling show up here as they happen.</EmptyState>
        ) : (
          <ul className="events">
            {events.map((e, i) => (
              <li key={`${e.at}-${i}`}>
                <time>{new Date(e.at).toLocaleTimeString()}</time>
                <code>{e.subject}</code>
                <span className="muted small ellipsis">{JSON.stringify(e.data)}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
