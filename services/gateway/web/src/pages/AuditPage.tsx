import { useEffect, useState } from 'react';
import type { AuditEntry } from '@msec/contracts';
import { ApiError, get, type Page } from '../api';
import { Card, EmptyState, ErrorBanner, PageHeader, Table, when } from '../ui';

/** Every mutating call: who, what, when and the result (admin). */
export default function AuditPage() {
  const [rows, setRows] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError>();
  const [actor, setActor] = useState('');
  const load = async (from: string | null, reset: boolean) => {
    const q = new URLSearchParams({ limit: '50' });
    if (from) q.set('cursor', from);
    if (actor.trim()) q.set('actor', actor.trim());
    try {
      const page = await get<Page<AuditEntry>>(`/api/v1/audit?${q}`);
      setRows((prev) => (reset ? page.items : [...prev, ...page.items]));
      setCursor(page.nextCursor);
      setError(undefined);
    } catch (e) {
      setError(e as ApiError);
    }
  };
  useEffect(() => {
    void load(null, true);
  }, []);
  return (
    <>
      <PageHeader title="Audit log" subtitle="Every change made through the API or console, newest first." />
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void load(null, true);
        }}
      >
        <input placeholder="Filter by user" value={actor} onChange={(e) => setActor(e.target.value)} aria-label="Filter by user" />
        <button type="submit">Filter</button>
      </form>
      <Card>
        <ErrorBanner error={error} />
        {rows.length === 0 && !error ? (
          <EmptyState title="No entries">Changes will be recorded here.</EmptyState>
        ) : (
          <Table
            rows={rows}
            rowKey={(r) => r.id}
            columns={[
              { title: 'When', render: (r) => when(r.at) },
              { title: 'Who', render: (r) => `${r.actor}${r.role !== '-' ? ` (${r.role})` : ''}` },
              { title: 'What', render: (r) => <code>{`${r.method} ${r.path}`}</code> },
              {
                title: 'Result',
                render: (r) => <span className={r.status < 400 ? 'badge ok' : 'badge bad'}>{`${r.status} ${r.result}`}</span>,
              },
              { title: 'Detail', render: (r) => r.detail ?? '', className: 'hide-narrow' },
              { title: 'Via', render: (r) => r.via, className: 'hide-narrow' },
            ]}
          />
        )}
        {cursor && (
          <button className="more" onClick={() => void load(cursor, false)}>
            Load more
          </button>
        )}
      </Card>
    </>
  );
}
