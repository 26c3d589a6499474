import { useState, type FormEvent } from 'react';
import type { InstanceView, ServiceView } from '@msec/contracts';
import { api, ApiError } from '../api';
import { Can, Card, EmptyState, ErrorBanner, Table, when } from '../ui';

const addressOf = (i: { ip: string; port: number }): string => (i.ip.includes(':') ? `[${i.ip}]:${i.port}` : `${i.ip}:${i.port}`);

function WeightCell({ instance, onSave }: { instance: InstanceView; onSave: (weight: number) => Promise<boolean> }) {
  const [editing, setEditing] = useState<string>();
  if (editing === undefined)
    return (
      <span className="svc-inline">
        {instance.weight}
        <Can role="developer">
          <button className="small" aria-label="Edit weight" onClick={() => setEditing(String(instance.weight))}>
            ✎
          </button>
        </Can>
      </span>
    );
  return (
    <form
      className="svc-inline"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onSave(Number(editing))) setEditing(undefined);
      }}
    >
      <input aria-label="Weight" type="number" min={100} max={10000} value={editing} onChange={(e) => setEditing(e.target.value)} />
      <button className="small primary" type="submit">
        Save
      </button>
      <button className="small" type="button" onClick={() => setEditing(undefined)}>
        Cancel
      </button>
    </form>
  );
}

/** One service: its facts, its instances with weight, enabled and live status, and the changes a developer may make. */
export default function ServicesDetail({
  service,
  onChanged,
  onDeleted,
}: {
  service: ServiceView;
  onChanged: () => Promise<void>;
  onDeleted: () => void;
}) {
  const [failure, setFailure] = useState<ApiError>();
  const [addresses, setAddresses] = useState('');
  const base = `/api/v1/services/${encodeURIComponent(service.name)}`;

  const run = async (method: string, path: string, body?: unknown): Promise<boolean> => {
    try {
      await api(method, path, body);
      setFailure(undefined);
      await onChanged();
      return true;
    } catch (err) {
      setFailure(err as ApiError);
      return false;
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    const instances = addresses
      .split(/[,\s]+/)
      .map((a) => a.trim())
      .filter(Boolean);
    if (await run('POST', `${base}/instances`, { instances })) setAddresses('');
  };
  const remove = async () => {
    if (!window.confirm(`Delete ${service.name}? This cannot be undone.`)) return;
    if (await run('DELETE', base)) onDeleted();
  };

  return (
    <Card
      title={service.name}
      testId="service-detail"
      actions={
        <Can role="developer">
          <button
            className="danger small"
            onClick={remove}
            disabled={service.instances.length > 0}
            title="Scale in and remove every instance first"
          >
            Delete service
          </button>
        </Can>
      }
    >
      <p className="muted small">
        <span className="badge">{service.kind}</span> protocol <code>{service.protocol}</code> · created {when(service.createdAt)}
        {service.memo && <> · {service.memo}</>}
      </p>
      <ErrorBanner error={failure} />
      {service.instances.length === 0 ? (
        <EmptyState title="No instances">Add instances by ip:port, then scale them out to route calls to them.</EmptyState>
      ) : (
        <Table
          rows={service.instances}
          rowKey={(i) => addressOf(i)}
          columns={[
            {
              title: 'Instance',
              render: (i) => (
                <code className="svc-addr" data-testid={`instance-${addressOf(i)}`}>
                  {addressOf(i)}
                </code>
              ),
            },
            {
              title: 'Weight',
              render: (i) => (
                <WeightCell
                  instance={i}
                  onSave={(weight) => run('PUT', `${base}/instances/${encodeURIComponent(addressOf(i))}/weight`, { weight })}
                />
              ),
            },
            {
              title: 'Routing',
              render: (i) => <span className={`badge${i.enabled ? ' ok' : ' warn'}`}>{i.enabled ? 'enabled' : 'disabled'}</span>,
            },
            { title: 'Live', render: (i) => <span className={`badge${i.live ? ' ok' : ' bad'}`}>{i.live ? 'live' : 'down'}</span> },
            {
              title: 'Tags',
              render: (i) => (
                <span data-testid={`tags-${addressOf(i)}`}>
                  {(i.tags ?? []).length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    i.tags.map((t) => (
                      <span key={t} className="badge">
                        {t}
                      </span>
                    ))
                  )}
                </span>
              ),
            },
            {
              title: '',
              render: (i) => (
                <Can role="developer">
                  <span className="svc-inline">
                    {i.enabled ? (
                      <button className="small" onClick={() => run('POST', `${base}/scale-in`, { instances: [addressOf(i)] })}>
                        Scale in
                      </button>
                    ) : (
                      <>
                        <button className="small primary" onClick={() => run('POST', `${base}/scale-out`, { instances: [addressOf(i)] })}>
                          Scale out
                        </button>
                        <button
                          className="small danger"
                          onClick={() => run('DELETE', `${base}/instances/${encodeURIComponent(addressOf(i))}`)}
                        >
                          Remove
                        </button>
                      </>
                    )}
                  </span>
                </Can>
              ),
            },
          ]}
        />
      )}
      <Can role="developer">
        <form className="svc-add toolbar" onSubmit={add}>
          <input
            aria-label="Instances (ip:port, comma-separated)"
            placeholder="127.0.0.1:8090, 127.0.0.1:8091"
            value={addresses}
            onChange={(e) => setAddresses(e.target.value)}
            required
          />
          <button type="submit">Add instances</button>
        </form>
      </Can>
    </Card>
  );
}
