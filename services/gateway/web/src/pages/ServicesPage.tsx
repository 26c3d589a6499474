import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import type { ServiceView } from '@msec/contracts';
import { api, ApiError, get, type Page } from '../api';
import { Can, Card, EmptyState, ErrorBanner, PageHeader } from '../ui';
import ServicesDetail from './ServicesDetail';
import ServicesTraffic from './ServicesTraffic';
import ServicesRouting from './ServicesRouting';
import './ServicesPage.css';

/** How often the tree and live status are fetched again. */
const REFRESH_MS = 3000;

/** The service list, fetched every few seconds without blanking what is shown. */
function useServiceTree(): { services: ServiceView[] | undefined; error: ApiError | undefined; refresh: () => Promise<void> } {
  const [services, setServices] = useState<ServiceView[]>();
  const [error, setError] = useState<ApiError>();
  const refresh = useCallback(async () => {
    try {
      const all: ServiceView[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<ServiceView> = await get(`/api/v1/services?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      setServices(all);
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
  return { services, error, refresh };
}

function CreateServiceForm({ onCreated, onCancel }: { onCreated: (name: string) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'standard' | 'heterogeneous'>('standard');
  const [protocol, setProtocol] = useState('');
  const [memo, setMemo] = useState('');
  const [failure, setFailure] = useState<ApiError>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api('POST', '/api/v1/services', { name, kind, ...(protocol ? { protocol } : {}), ...(memo ? { memo } : {}) });
      onCreated(name);
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  return (
    <Card title="New service" testId="create-service">
      <form className="svc-form form" onSubmit={submit}>
        <label>
          Service name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="First.Second, e.g. Flight.mod_flight" required />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="standard">standard (built on the SDK)</option>
            <option value="heterogeneous">heterogeneous (any endpoint, e.g. a database)</option>
          </select>
        </label>
        {kind === 'heterogeneous' && (
          <label>
            Protocol
            <input value={protocol} onChange={(e) => setProtocol(e.target.value)} placeholder="mysql, redis, http…" required />
          </label>
        )}
        <label>
          Memo
          <input value={memo} onChange={(e) => setMemo(e.target.value)} placeholder="what it does (optional)" />
        </label>
        <ErrorBanner error={failure} />
        <div className="actions">
          <button className="primary" type="submit">
            Create service
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Card>
  );
}

/** Services: the two-level service tree (Flight → mod_flight) with each service's instances, weights and live status. */
export default function ServicesPage() {
  const { services, error, refresh } = useServiceTree();
  const [selected, setSelected] = useState<string>();
  const [creating, setCreating] = useState(false);
  const groups = useMemo(() => {
    const byFirst = new Map<string, ServiceView[]>();
    for (const s of services ?? []) {
      const first = s.name.split('.')[0]!;
      byFirst.set(first, [...(byFirst.get(first) ?? []), s]);
    }
    return [...byFirst].sort(([a], [b]) => a.localeCompare(b));
  }, [services]);
  const current = services?.find((s) => s.name === selected);

  return (
    <>
      <PageHeader
        title="Services"
        subtitle="The service tree: every First.Second service, its instances, weights and live status."
        actions={
          <Can role="developer">
            <button className="primary" data-testid="mutation-button" onClick={() => setCreating(true)}>
              New service
            </button>
          </Can>
        }
      />
      {creating && (
        <CreateServiceForm
          onCancel={() => setCreating(false)}
          onCreated={(name) => {
            setCreating(false);
            setSelected(name);
            void refresh();
          }}
        />
      )}
      <ErrorBanner error={error} />
      {services === undefined && !error ? (
        <Card>
          <p className="muted">Loading…</p>
        </Card>
      ) : !services || services.length === 0 ? (
        <Card>
          <EmptyState title="No services yet">
            {error
              ? 'The service tree cannot be shown while the registry does not answer.'
              : 'Create a service to start routing calls to it by name.'}
          </EmptyState>
        </Card>
      ) : (
        <div className="svc-layout">
          <Card title="Service tree" testId="service-tree">
            <ul className="svc-tree">
              {groups.map(([first, list]) => (
                <li key={first}>
                  <div className="first">
                    <span>{first}</span>
                    <span className="muted small">{list.length}</span>
                  </div>
                  <ul>
                    {list.map((s) => {
                      const serving = s.instances.filter((i) => i.enabled).length;
                      return (
                        <li key={s.name} data-testid={`service-${s.name}`}>
                          <button
                            className={`link${s.name === selected ? ' selected' : ''}`}
                            aria-label={s.name}
                            aria-current={s.name === selected}
                            onClick={() => setSelected(s.name)}
                          >
                            <span>{s.name.split('.')[1]}</span>
                            <span className={`badge${serving > 0 ? ' ok' : ''}`}>
                              {serving}/{s.instances.length}
                            </span>
                          </button>
                        </li>
                      );
                    })}
                  </ul>
                </li>
              ))}
            </ul>
          </Card>
          {current ? (
            <div className="svc-stack">
              <ServicesDetail service={current} onChanged={refresh} onDeleted={() => setSelected(undefined)} />
              <ServicesTraffic key={current.name} service={current.name} />
              <ServicesRouting key={`routing-${current.name}`} service={current.name} onTagged={refresh} />
            </div>
          ) : (
            <Card>
              <EmptyState title="Pick a service">Choose a service in the tree to see its instances.</EmptyState>
            </Card>
          )}
        </div>
      )}
    </>
  );
}
