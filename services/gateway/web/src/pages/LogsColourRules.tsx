import { useState, type FormEvent } from 'react';
import type { ColourRule } from '@msec/contracts';
import { api } from '../api';
import { useSession } from '../auth';
import { Card, ErrorBanner, useApi, useMutation } from '../ui';

/** Colouring rules: a request whose field equals the value logs DEBUG in every module it crosses. Developers edit. */
export default function LogsColourRules() {
  const rules = useApi<{ items: ColourRule[] }>('/api/v1/colour-rules');
  const canEdit = useSession().can('developer');
  const [draft, setDraft] = useState({ id: '', field: '', value: '', expiresAt: '' });
  const { act, busy, error } = useMutation(rules.reload);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      id: draft.id.trim(),
      field: draft.field.trim(),
      value: draft.value,
      ...(draft.expiresAt ? { expiresAt: new Date(draft.expiresAt).toISOString() } : {}),
    };
    if (await act(() => api('POST', '/api/v1/colour-rules', body))) setDraft({ id: '', field: '', value: '', expiresAt: '' });
  };
  const bad = (name: string) => (error?.field === `body.${name}` ? 'invalid' : undefined);
  const items = rules.data?.items ?? [];

  return (
    <Card title="Colouring rules" testId="colour-rules">
      <p className="muted small">
        A request whose field equals the value (e.g. <code>name</code> = <code>bison</code>, or <code>traceId</code> = one request) logs
        DEBUG and above in every module it crosses. Every SDK has a change within seconds.
      </p>
      <ErrorBanner error={rules.error ?? error} />
      {items.length === 0 ? (
        <p className="muted">No colouring rules: every request logs at its module's configured level.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Rule id</th>
                <th>Field</th>
                <th>Value</th>
                <th>Expires</th>
                {canEdit && <th />}
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr key={r.id}>
                  <td>{r.id}</td>
                  <td>
                    <code>{r.field}</code>
                  </td>
                  <td>
                    <code>{r.value}</code>
                  </td>
                  <td>{r.expiresAt ? new Date(r.expiresAt).toLocaleString() : 'never'}</td>
                  {canEdit && (
                    <td>
                      <button
                        className="danger small"
                        disabled={busy}
                        onClick={() => void act(() => api('DELETE', `/api/v1/colour-rules/${encodeURIComponent(r.id)}`))}
                      >
                        Delete
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && (
        <form className="colour-form" onSubmit={(e) => void submit(e)} noValidate>
          <label className={bad('id')}>
            Rule id
            <input value={draft.id} onChange={(e) => setDraft({ ...draft, id: e.target.value })} placeholder="user-bison" />
          </label>
          <label className={bad('field')}>
            Field
            <input value={draft.field} onChange={(e) => setDraft({ ...draft, field: e.target.value })} placeholder="name" />
          </label>
          <label className={bad('value')}>
            Value
            <input value={draft.value} onChange={(e) => setDraft({ ...draft, value: e.target.value })} placeholder="bison" />
          </label>
          <label className={bad('expiresAt')}>
            Expires (optional)
            <input type="datetime-local" value={draft.expiresAt} onChange={(e) => setDraft({ ...draft, expiresAt: e.target.value })} />
          </label>
          <button className="primary" type="submit" disabled={busy}>
            Add rule
          </button>
        </form>
      )}
    </Card>
  );
}
