import { useState, type FormEvent } from 'react';
import type { CreatedWebhook, WebhookDeliveryView, WebhookEventTypeView, WebhookView } from '@msec/contracts';
import { api, ApiError } from '../api';
import { Card, EmptyState, ErrorBanner, PageHeader, Table, useApi, useMutation } from '../ui';

const STATUS_BADGE: Record<string, string> = { delivered: 'badge ok', pending: 'badge warn', dead: 'badge bad' };
const at = (ms: number): string => new Date(ms).toLocaleString();

/** The delivery log of one webhook: each event's status, attempts and last error. */
function Deliveries({ hook }: { hook: WebhookView }) {
  const [status, setStatus] = useState('');
  const { data, error, reload } = useApi<{ items: WebhookDeliveryView[] }>(
    `/api/v1/webhooks/${hook.id}/deliveries?limit=100${status ? `&status=${status}` : ''}`,
  );
  return (
    <Card title={`Deliveries to ${hook.url}`} testId="webhook-deliveries" actions={<button onClick={reload}>Refresh</button>}>
      <div className="toolbar">
        <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="Delivery status">
          <option value="">every status</option>
          <option value="pending">pending (retrying)</option>
          <option value="delivered">delivered</option>
          <option value="dead">dead letters</option>
        </select>
      </div>
      <ErrorBanner error={error} />
      {data && data.items.length === 0 ? (
        <EmptyState title="No deliveries yet">Events of the chosen types are sent as they happen.</EmptyState>
      ) : (
        <Table
          rows={data?.items ?? []}
          rowKey={(d) => d.eventId}
          columns={[
            { title: 'Event', render: (d) => <code>{d.eventType}</code> },
            { title: 'Status', render: (d) => <span className={STATUS_BADGE[d.status] ?? 'badge'}>{d.status}</span> },
            { title: 'Attempts', render: (d) => String(d.attempts) },
            { title: 'Last answer', render: (d) => (d.lastStatus === null ? '—' : `HTTP ${d.lastStatus}`) },
            { title: 'Last error', render: (d) => d.lastError ?? '' },
            { title: 'Updated', render: (d) => at(d.updatedAt), className: 'hide-narrow' },
            { title: 'Event id', render: (d) => <code>{d.eventId}</code>, className: 'hide-narrow' },
          ]}
        />
      )}
    </Card>
  );
}

/** Event webhooks (admin): send chosen event types to a URL, signed, with retries, dead letters and a delivery log. */
export default function WebhooksPage() {
  const hooks = useApi<{ items: WebhookView[] }>('/api/v1/webhooks');
  const types = useApi<{ items: WebhookEventTypeView[] }>('/api/v1/webhooks/event-types');
  const { act, busy, error } = useMutation(hooks.reload);
  const [url, setUrl] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [maxAttempts, setMaxAttempts] = useState(8);
  const [secret, setSecret] = useState<string>();
  const [open, setOpen] = useState<string>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    await act(async () => {
      const created = await api<CreatedWebhook>('POST', '/api/v1/webhooks', { url, eventTypes: chosen, maxAttempts });
      setSecret(created.secret);
      setUrl('');
      setChosen([]);
    });
  };
  const remove = (hook: WebhookView) =>
    confirm(`Delete the webhook to ${hook.url}? Nothing more is sent to it and its delivery log goes.`) &&
    void act(() => api('DELETE', `/api/v1/webhooks/${hook.id}`));
  const toggle = (type: string) => setChosen((c) => (c.includes(type) ? c.filter((t) => t !== type) : [...c, type]));
  const shown = hooks.data?.items.find((h) => h.id === open);
  return (
    <>
      <PageHeader
        title="Webhooks"
        subtitle="Send chosen events to a URL, signed with HMAC-SHA256, retried with back-off (docs/events.md)."
      />
      <Card title="New webhook" testId="webhook-form">
        <form onSubmit={create}>
          <div className="toolbar">
            <input
              placeholder="https://hooks.example.com/msec"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              required
              aria-label="Webhook URL"
            />
            <label className="inline-field">
              attempts{' '}
              <input
                type="number"
                min={1}
                max={50}
                value={maxAttempts}
                onChange={(e) => setMaxAttempts(Number(e.target.value))}
                aria-label="Attempts before a dead letter"
              />
            </label>
            <button className="primary" type="submit" disabled={busy || chosen.length === 0}>
              Create webhook
            </button>
          </div>
          <fieldset className="event-types" aria-label="Event types">
            {(types.data?.items ?? []).map((t) => (
              <label key={t.type} title={t.description}>
                <input type="checkbox" checked={chosen.includes(t.type)} onChange={() => toggle(t.type)} /> <code>{t.type}</code>
              </label>
            ))}
          </fieldset>
        </form>
        {secret && (
          <div className="ok-banner" data-testid="webhook-secret">
            Copy the signing secret now, it will not be shown again: <code>{secret}</code>
          </div>
        )}
        <ErrorBanner error={error ?? (types.error as ApiError | undefined)} />
      </Card>
      <Card title="Webhooks" testId="webhooks">
        <ErrorBanner error={hooks.error} />
        {hooks.data && hooks.data.items.length === 0 ? (
          <EmptyState title="No webhooks">Create one above.</EmptyState>
        ) : (
          <Table
            rows={hooks.data?.items ?? []}
            rowKey={(h) => h.id}
            columns={[
              { title: 'URL', render: (h) => <code>{h.url}</code> },
              { title: 'Events', render: (h) => h.eventTypes.join(', ') },
              { title: 'Attempts', render: (h) => String(h.maxAttempts), className: 'hide-narrow' },
              { title: 'Created', render: (h) => `${at(h.createdAt)} by ${h.createdBy}`, className: 'hide-narrow' },
              {
                title: '',
                render: (h) => (
                  <>
                    <button className="small" onClick={() => setOpen(open === h.id ? undefined : h.id)}>
                      {open === h.id ? 'Hide deliveries' : 'Deliveries'}
                    </button>{' '}
                    <button className="danger small" onClick={() => remove(h)}>
                      Delete
                    </button>
                  </>
                ),
              },
            ]}
          />
        )}
      </Card>
      {shown && <Deliveries key={shown.id} hook={shown} />}
    </>
  );
}
