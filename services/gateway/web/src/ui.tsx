import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { ApiError, get } from './api';
import { useSession, type Role } from './auth';

/** Loads `path` with GET; `reload` fetches again. A 404 means the owning API does not exist yet. */
export function useApi<T>(path: string | null): { data: T | undefined; error: ApiError | undefined; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    get<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) =>
        live && setState({ error: error instanceof ApiError ? error : new ApiError(0, 'NETWORK', String(error)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/**
 * Runs mutations for a form: `busy` while one runs, the API error it ended with, and `reload` after a success.
 * `act` resolves to true when the call succeeded.
 */
export function useMutation(reload: () => void): {
  act: (call: () => Promise<unknown>) => Promise<boolean>;
  busy: boolean;
  error: ApiError | undefined;
} {
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const act = async (call: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await call();
      reload();
      return true;
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'NETWORK', String(e)));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { act, busy, error };
}

/** Title row of a page with optional actions on the right. */
export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: string; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </header>
  );
}

/** A bordered panel with a title. */
export function Card({ title, children, actions, testId }: { title?: string; children: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId}>
      {(title || actions) && (
        <div className="card-head">
          {title && <h2>{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

/** What to show when a list has nothing in it. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" data-testid="empty-state">
      <div className="empty-icon" aria-hidden>
        ○
      </div>
      <strong>{title}</strong>
      {children && <p className="muted">{children}</p>}
    </div>
  );
}

/** An error from the API, shown to the user with its code. */
export function ErrorBanner({ error }: { error: ApiError | string | undefined }) {
  if (!error) return null;
  const text = typeof error === 'string' ? error : error.message;
  return (
    <div className="error-banner" role="alert">
      {text}
      {typeof error !== 'string' && <span className="code">{error.code}</span>}
    </div>
  );
}

/** Renders children only for users with at least `role` (mutation buttons use this). */
export function Can({ role, children }: { role: Role; children: ReactNode }) {
  return useSession().can(role) ? <>{children}</> : null;
}

/** A column of a Table. */
export interface Column<T> {
  title: string;
  render: (row: T) => ReactNode;
  className?: string;
}

/** A readable table that scrolls sideways on narrow screens. */
export function Table<T>({ rows, columns, rowKey }: { rows: T[]; columns: Column<T>[]; rowKey: (row: T) => string | number }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.title} className={c.className}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td key={c.title} className={c.className}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A local date-time for an ISO timestamp. */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** A list backed by an endpoint that another area will add: shows its rows, or an empty state while the API does not exist yet. */
export function ResourceList<T>({
  title,
  subtitle,
  endpoint,
  columns,
  rowKey,
  emptyText,
  createLabel,
  createRole = 'developer',
}: {
  title: string;
  subtitle: string;
  endpoint: string;
  columns: Column<T>[];
  rowKey: (row: T) => string | number;
  emptyText: string;
  createLabel?: string;
  createRole?: Role;
}) {
  const { data, error, loading } = useApi<{ items: T[] }>(endpoint);
  const notYet = error?.status === 404;
  return (
    <>
      <PageHeader
        title={title}
        subtitle={subtitle}
        actions={
          createLabel && (
            <Can role={createRole}>
              <button className="primary" data-testid="mutation-button" disabled={notYet}>
                {createLabel}
              </button>
            </Can>
          )
        }
      />
      <Card>
        {loading ? (
          <p className="muted">Loading…</p>
        ) : notYet ? (
          <EmptyState title={`No ${title.toLowerCase()} yet`}>
            This part of the platform is not installed on this gateway yet ({endpoint}).
          </EmptyState>
        ) : error ? (
          <ErrorBanner error={error} />
        ) : !data || data.items.length === 0 ? (
          <EmptyState title={`No ${title.toLowerCase()} yet`}>{emptyText}</EmptyState>
        ) : (
          <Table rows={data.items} columns={columns} rowKey={rowKey} />
        )}
      </Card>
    </>
  );
}
