import { useState, type FormEvent } from 'react';
import type { TraceSamplingSettings } from '@msec/contracts';
import { api } from '../api';
import { useSession } from '../auth';
import { Card, ErrorBanner, useApi, useMutation } from '../ui';

/** Trace sampling by service: which share of the requests entering a service are traced, and at most how many a second. */
export default function CallGraphSampling() {
  const settings = useApi<TraceSamplingSettings>('/api/v1/trace-sampling');
  const canEdit = useSession().can('developer');
  const [draft, setDraft] = useState({ service: '', percent: '', maxPerSecond: '' });
  const { act, busy, error } = useMutation(settings.reload);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const percent = draft.percent.trim() === '' ? Number.NaN : Number(draft.percent);
    const cap = draft.maxPerSecond.trim() === '' ? Number.NaN : Number(draft.maxPerSecond);
    const body = { rate: percent / 100, maxPerSecond: cap };
    const path = `/api/v1/trace-sampling/${encodeURIComponent(draft.service.trim())}`;
    if (await act(() => api('PUT', path, body))) setDraft({ service: '', percent: '', maxPerSecond: '' });
  };
  const bad = (name: string) => (error?.field === `body.${name}` || error?.field === `path.${name}` ? 'invalid' : undefined);
  const rows = Object.entries(settings.data?.services ?? {});

  return (
    <Card title="Trace sampling" testId="trace-sampling">
      <p className="muted small">
        The module a request enters first decides whether it is traced; a failed or slow call keeps its span anyway. Set here, a service's
        rate and cap override its environment within seconds.
      </p>
      <ErrorBanner error={settings.error ?? error} />
      {rows.length === 0 ? (
        <p className="muted">No service set here: every service samples as its environment says.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Service</th>
                <th>Traced</th>
                <th>At most</th>
                {canEdit && <th />}
              </tr>
            </thead>
            <tbody>
              {rows.map(([service, s]) => (
                <tr key={service}>
                  <td>{service}</td>
                  <td>{`${Math.round(s.rate * 10000) / 100} %`}</td>
                  <td>{`${s.maxPerSecond} traces/s per process`}</td>
                  {canEdit && (
                    <td>
                      <button
                        className="danger small"
                        disabled={busy}
                        onClick={() => void act(() => api('DELETE', `/api/v1/trace-sampling/${encodeURIComponent(service)}`))}
                      >
                        Remove
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
          <label className={bad('service')}>
            Service
            <input
              value={draft.service}
              onChange={(e) => setDraft({ ...draft, service: e.target.value })}
              placeholder="Flight.mod_flight"
            />
          </label>
          <label className={bad('rate')}>
            Traced (%)
            <input
              value={draft.percent}
              onChange={(e) => setDraft({ ...draft, percent: e.target.value })}
              placeholder="1"
              inputMode="decimal"
            />
          </label>
          <label className={bad('maxPerSecond')}>
            At most (traces/s per process)
            <input
              value={draft.maxPerSecond}
              onChange={(e) => setDraft({ ...draft, maxPerSecond: e.target.value })}
              placeholder="100"
              inputMode="numeric"
            />
          </label>
          <button className="primary" type="submit" disabled={busy}>
            Set sampling
          </button>
        </form>
      )}
    </Card>
  );
}
