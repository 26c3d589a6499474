import { useState, type FormEvent } from 'react';
import type { BreakersView, TrafficPolicyView } from '@msec/contracts';
import { api } from '../api';
import { Can, Card, ErrorBanner, Table, useApi, useMutation, when } from '../ui';

/** `errorRatio=0.5 openMs=5000` → settings; a word that is not KEY=NUMBER is sent as NaN so the API names it. */
function parseSettings(text: string): Record<string, number> {
  const settings: Record<string, number> = {};
  for (const word of text.split(/[\s,]+/).filter(Boolean)) {
    const [key, value] = word.split('=', 2);
    settings[key!] = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  }
  return settings;
}

/** Rate limits of a service (enforced by each instance) and the breaker settings its callers use. */
export default function ServicesTraffic({ service }: { service: string }) {
  const base = `/api/v1/services/${encodeURIComponent(service)}`;
  const { data, error, reload } = useApi<TrafficPolicyView>(`${base}/traffic`);
  const breakers = useApi<BreakersView>(`${base}/breakers`);
  const { act, busy, error: failure } = useMutation(reload);
  const [method, setMethod] = useState('');
  const [qps, setQps] = useState('');
  const [cluster, setCluster] = useState(false);
  const [breaker, setBreaker] = useState('');

  const addLimit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { qps: Number(qps), ...(cluster ? { cluster: true } : {}) };
    if (await act(() => api('PUT', `${base}/limits/${encodeURIComponent(method.trim())}`, body))) {
      setMethod('');
      setQps('');
      setCluster(false);
    }
  };
  const saveBreaker = async (e: FormEvent) => {
    e.preventDefault();
    if (await act(() => api('PUT', `${base}/breaker`, parseSettings(breaker)))) setBreaker('');
  };
  const settings = data ? Object.entries(data.breaker) : [];

  return (
    <Card title="Traffic" testId="service-traffic">
      <ErrorBanner error={failure ?? error} />
      {data && (
        <p className="muted small" data-testid="traffic-version">
          {data.version === 0
            ? 'No limits or breaker settings yet.'
            : `Version ${data.version}, changed by ${data.updatedBy} ${when(data.updatedAt)}`}
        </p>
      )}
      {data && data.limits.length > 0 && (
        <Table
          rows={data.limits}
          rowKey={(l) => l.method}
          columns={[
            { title: 'Method', render: (l) => <code className="svc-method">{l.method}</code> },
            { title: 'Calls/s', render: (l) => `${l.qps} ${l.cluster ? 'for the service' : 'per instance'}` },
            { title: 'Burst', render: (l) => l.burst ?? l.qps },
            {
              title: '',
              render: (l) => (
                <Can role="developer">
                  <button
                    className="small danger"
                    disabled={busy}
                    onClick={() => act(() => api('DELETE', `${base}/limits/${encodeURIComponent(l.method)}`))}
                  >
                    Remove limit
                  </button>
                </Can>
              ),
            },
          ]}
        />
      )}
      <p className="small">
        Circuit breaker of its callers:{' '}
        <span data-testid="traffic-breaker">{settings.length === 0 ? 'defaults' : settings.map(([k, v]) => `${k}=${v}`).join(' ')}</span>
      </p>
      <div data-testid="caller-breakers">
        <p className="small">
          Breakers its callers keep (last {breakers.data?.minutes ?? 15} minutes, from their reports in Monitoring):
          {breakers.data && breakers.data.breakers.length === 0 ? ' none opened.' : ''}
        </p>
        <ErrorBanner error={breakers.error} />
        {breakers.data && breakers.data.breakers.length > 0 && (
          <Table
            rows={breakers.data.breakers}
            rowKey={(b) => `${b.caller}|${b.method}`}
            columns={[
              { title: 'Caller', render: (b) => b.caller },
              { title: 'Method', render: (b) => <code className="svc-method">{b.method}</code> },
              {
                title: 'Worst state (minute)',
                render: (b) => <span className={`badge ${b.state === 'closed' ? 'ok' : 'bad'}`}>{b.state}</span>,
              },
              { title: 'Minute', render: (b) => (b.stateAt === null ? '' : when(new Date(b.stateAt).toISOString())) },
              { title: 'Opened', render: (b) => b.opened },
              { title: 'Refused calls', render: (b) => b.refused },
            ]}
          />
        )}
      </div>
      <Can role="developer">
        <form className="svc-add toolbar" onSubmit={addLimit}>
          <input
            aria-label="Method (pkg.Service.Method or *)"
            placeholder="flight.FlightService.Query"
            value={method}
            onChange={(e) => setMethod(e.target.value)}
            required
          />
          <input
            aria-label="Calls per second"
            type="number"
            min={0.001}
            step="any"
            placeholder="qps"
            value={qps}
            onChange={(e) => setQps(e.target.value)}
            required
          />
          <label className="small inline-check">
            <input type="checkbox" checked={cluster} onChange={(e) => setCluster(e.target.checked)} /> for the whole service
          </label>
          <button type="submit" disabled={busy}>
            Set limit
          </button>
        </form>
        <form className="svc-add toolbar" onSubmit={saveBreaker}>
          <input
            aria-label="Breaker settings (KEY=VALUE …)"
            placeholder="errorRatio=0.5 openMs=5000"
            value={breaker}
            onChange={(e) => setBreaker(e.target.value)}
          />
          <button type="submit" disabled={busy}>
            {breaker.trim() === '' ? 'Reset breaker' : 'Set breaker'}
          </button>
        </form>
      </Can>
    </Card>
  );
}
