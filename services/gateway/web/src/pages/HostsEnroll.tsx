import { useState, type FormEvent } from 'react';
import type { HostEnrollmentCreated, HostEnrollmentView } from '@msec/contracts';
import { api, ApiError, type Page } from '../api';
import { Card, EmptyState, ErrorBanner, Table, useApi } from '../ui';

const stamp = (ms: number | null): string => (ms === null ? '' : new Date(ms).toLocaleString());

function stateOf(e: HostEnrollmentView, now: number): { label: string; tone: string } {
  if (e.redeemedAt !== null) return { label: 'used', tone: 'ok' };
  if (e.revokedAt !== null) return { label: 'cancelled', tone: 'bad' };
  return e.expiresAt <= now ? { label: 'expired', tone: 'bad' } : { label: 'pending', tone: 'warn' };
}

/** Admins add hosts: a one-time token and the command to run on the new machine, and the tokens so far. */
export function HostsEnroll() {
  const { data, error, reload } = useApi<Page<HostEnrollmentView>>('/api/v1/hosts/enrollments');
  const [hostId, setHostId] = useState('');
  const [ttlMinutes, setTtlMinutes] = useState('60');
  const [created, setCreated] = useState<HostEnrollmentCreated>();
  const [failure, setFailure] = useState<ApiError>();
  const now = Date.now();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const t = await api<HostEnrollmentCreated>('POST', '/api/v1/hosts/enrollments', {
        hostId,
        ttlMinutes: Number(ttlMinutes),
      });
      setCreated(t);
      setHostId('');
      setFailure(undefined);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  const cancel = async (id: string) => {
    try {
      await api('DELETE', `/api/v1/hosts/enrollments/${encodeURIComponent(id)}`);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  return (
    <Card title="Enrol a host" testId="enroll">
      <p className="muted">
        A one-time token lets a new machine's agent fetch its own NATS identity and the console key: nothing is copied by hand.
      </p>
      <form className="toolbar" onSubmit={create}>
        <input
          placeholder="Host id, e.g. web-03"
          value={hostId}
          onChange={(e) => setHostId(e.target.value)}
          required
          aria-label="Host id"
        />
        <select value={ttlMinutes} onChange={(e) => setTtlMinutes(e.target.value)} aria-label="Valid for">
          <option value="15">15 minutes</option>
          <option value="60">1 hour</option>
          <option value="1440">1 day</option>
          <option value="10080">7 days</option>
        </select>
        <button className="primary" type="submit">
          Create token
        </button>
      </form>
      {created && (
        <div className="ok-banner" data-testid="new-enrollment">
          Run on {created.hostId} (usable once; shown only now):
          <br />
          <code>
            ./msec agent --enroll {created.token} --gateway {window.location.origin} --ip HOST_IP
          </code>
        </div>
      )}
      <ErrorBanner error={failure ?? error} />
      {data && data.items.length === 0 ? (
        <EmptyState title="No enrolment tokens yet" />
      ) : (
        <Table
          rows={data?.items ?? []}
          rowKey={(e) => e.id}
          columns={[
            { title: 'Host', render: (e) => e.hostId },
            {
              title: 'State',
              render: (e) => {
                const s = stateOf(e, now);
                return <span className={`badge ${s.tone}`}>{s.label}</span>;
              },
            },
            { title: 'Created', render: (e) => `${stamp(e.createdAt)} by ${e.createdBy}`, className: 'hide-narrow' },
            { title: 'Expires', render: (e) => stamp(e.expiresAt) },
            { title: 'Used', render: (e) => (e.redeemedAt === null ? '' : `${stamp(e.redeemedAt)} from ${e.redeemedFrom ?? '?'}`) },
            {
              title: '',
              render: (e) =>
                stateOf(e, now).label === 'pending' ? (
                  <button className="danger small" onClick={() => void cancel(e.id)}>
                    Cancel
                  </button>
                ) : null,
            },
          ]}
        />
      )}
    </Card>
  );
}
