import { useState, type FormEvent } from 'react';
import type { AlarmRuleView, AlarmType, AlarmView } from '@msec/contracts';
import { api, ApiError } from '../api';
import { useSession } from '../auth';
import { Can, Card, EmptyState, ErrorBanner, Table, useApi, when } from '../ui';

const TYPES: { value: AlarmType; text: string }[] = [
  { value: 'max', text: 'max: value above threshold' },
  { value: 'min', text: 'min: value below threshold' },
  { value: 'wave', text: 'wave: change vs yesterday beyond ±threshold %' },
  { value: 'nodata', text: 'nodata: silent for threshold minutes' },
  { value: 'diff', text: 'diff: differs from yesterday by more than threshold' },
  { value: 'diff-up', text: 'diff-up: more than threshold above yesterday' },
  { value: 'diff-down', text: 'diff-down: more than threshold below yesterday' },
];

/** What the rule form edits; numbers stay text until sent so the API can name what is wrong. */
interface Draft {
  id?: string;
  service: string;
  attr: string;
  type: AlarmType;
  threshold: string;
  host: string;
  webhookUrl: string;
  enabled: boolean;
}

const DIFF_SIGN: Record<string, string> = { diff: '±', 'diff-up': '+', 'diff-down': '−' };

const describeRule = (r: { type: string; threshold: number }): string =>
  r.type === 'wave'
    ? `±${r.threshold} % vs yesterday`
    : r.type === 'nodata'
      ? `no data for ${r.threshold} min`
      : r.type in DIFF_SIGN
        ? `${DIFF_SIGN[r.type]}${r.threshold} vs yesterday`
        : `${r.type === 'max' ? '>' : '<'} ${r.threshold}`;

/** The field an API error names, without its `body.` prefix. */
const fieldOf = (error: ApiError | undefined): string | undefined => error?.field?.replace(/^body\./, '');

function RuleForm({ draft, onDone }: { draft: Draft; onDone: (saved: boolean) => void }) {
  const [d, setD] = useState(draft);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]): void => setD((x) => ({ ...x, [key]: value }));
  const bad = fieldOf(error);
  const fieldError = (name: string) =>
    bad === name && (
      <span className="field-error" role="alert" data-testid={`field-error-${name}`}>
        {error!.message.replace(/^body\.\w+:\s*/, '')}
      </span>
    );

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    // Sent as typed: an empty or non-numeric threshold goes as text so the API names the field.
    const threshold = d.threshold.trim() !== '' && Number.isFinite(Number(d.threshold)) ? Number(d.threshold) : d.threshold;
    const body = {
      service: d.service.trim(),
      attr: d.attr.trim(),
      type: d.type,
      threshold,
      host: d.host.trim() || null,
      webhookUrl: d.webhookUrl.trim() || null,
      enabled: d.enabled,
    };
    try {
      if (d.id) await api('PATCH', `/api/v1/alarm-rules/${encodeURIComponent(d.id)}`, body);
      else await api('POST', '/api/v1/alarm-rules', body);
      onDone(true);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'NETWORK', String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form mon-rule-form" onSubmit={submit} data-testid="rule-form" noValidate>
      <h3>{d.id ? 'Edit alarm rule' : 'New alarm rule'}</h3>
      {error && !bad && <ErrorBanner error={error} />}
      <label>
        Rule service
        <input value={d.service} onChange={(e) => set('service', e.target.value)} placeholder="Flight.mod_flight" />
        {fieldError('service')}
      </label>
      <label>
        Attribute
        <input value={d.attr} onChange={(e) => set('attr', e.target.value)} placeholder="login_fail" />
        {fieldError('attr')}
      </label>
      <label>
        Type
        <select aria-label="Type" value={d.type} onChange={(e) => set('type', e.target.value as AlarmType)}>
          {TYPES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.text}
            </option>
          ))}
        </select>
        {fieldError('type')}
      </label>
      <label>
        Threshold
        <input value={d.threshold} inputMode="decimal" onChange={(e) => set('threshold', e.target.value)} />
        {fieldError('threshold')}
      </label>
      <label>
        Only host (empty: the service aggregate)
        <input value={d.host} onChange={(e) => set('host', e.target.value)} placeholder="10.0.0.7" />
        {fieldError('host')}
      </label>
      <label>
        Webhook URL (optional)
        <input value={d.webhookUrl} onChange={(e) => set('webhookUrl', e.target.value)} placeholder="https://chat.example/hook" />
        {fieldError('webhookUrl')}
      </label>
      <label className="mon-check">
        <input type="checkbox" checked={d.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Enabled
      </label>
      <div className="actions">
        <button className="primary" type="submit" disabled={busy}>
          Save rule
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Alarm rules of a service: viewers read; developers create, edit and delete them. */
export function AlarmRules({ service, attr }: { service: string; attr: string }) {
  const { can } = useSession();
  const rules = useApi<{ items: AlarmRuleView[] }>(
    service ? `/api/v1/alarm-rules?service=${encodeURIComponent(service)}` : '/api/v1/alarm-rules',
  );
  const [draft, setDraft] = useState<Draft>();
  const [error, setError] = useState<ApiError>();
  const remove = async (r: AlarmRuleView): Promise<void> => {
    if (!window.confirm(`Delete the rule on ${r.attr} (${describeRule(r)})?`)) return;
    try {
      await api('DELETE', `/api/v1/alarm-rules/${encodeURIComponent(r.id)}`);
      setError(undefined);
      rules.reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : undefined);
    }
  };
  const edit = (r: AlarmRuleView): void =>
    setDraft({
      id: r.id,
      service: r.service,
      attr: r.attr,
      type: r.type,
      threshold: String(r.threshold),
      host: r.host ?? '',
      webhookUrl: r.webhookUrl ?? '',
      enabled: r.enabled,
    });
  const items = rules.data?.items ?? [];
  return (
    <Card
      title="Alarm rules"
      testId="alarm-rules"
      actions={
        <Can role="developer">
          <button
            className="primary small"
            onClick={() => setDraft({ service, attr, type: 'max', threshold: '', host: '', webhookUrl: '', enabled: true })}
          >
            New alarm rule
          </button>
        </Can>
      }
    >
      <ErrorBanner error={rules.error ?? error} />
      {draft && (
        <RuleForm
          key={draft.id ?? 'new'}
          draft={draft}
          onDone={(saved) => {
            setDraft(undefined);
            if (saved) rules.reload();
          }}
        />
      )}
      {items.length === 0 ? (
        !rules.loading && !rules.error && <EmptyState title="No alarm rules">Rules judge a minute once it has ended.</EmptyState>
      ) : (
        <Table
          rows={items}
          rowKey={(r) => r.id}
          columns={[
            { title: 'Service', render: (r) => r.service },
            { title: 'Attribute', render: (r) => <code>{r.attr}</code> },
            { title: 'Host', render: (r) => r.host ?? 'all (aggregate)' },
            { title: 'Fires when', render: (r) => `${r.type}: ${describeRule(r)}` },
            { title: 'Webhook', render: (r) => (r.webhookUrl ? <span className="ellipsis">{r.webhookUrl}</span> : '—') },
            {
              title: 'State',
              render: (r) => <span className={`badge ${r.enabled ? 'ok' : ''}`}>{r.enabled ? 'enabled' : 'disabled'}</span>,
            },
            ...(can('developer')
              ? [
                  {
                    title: '',
                    render: (r: AlarmRuleView) => (
                      <span className="mon-row-actions">
                        <button className="small" onClick={() => edit(r)} aria-label={`Edit rule ${r.attr}`}>
                          Edit
                        </button>
                        <button className="small danger" onClick={() => void remove(r)} aria-label={`Delete rule ${r.attr}`}>
                          Delete
                        </button>
                      </span>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
    </Card>
  );
}

/** Active alarms, or the history (recovered ones too). */
export function AlarmList({ service }: { service: string }) {
  const [state, setState] = useState<'active' | 'all'>('active');
  const query = new URLSearchParams({ state, limit: '100' });
  if (service) query.set('service', service);
  const alarms = useApi<{ items: AlarmView[] }>(`/api/v1/alarms?${query}`);
  const items = alarms.data?.items ?? [];
  return (
    <Card
      title={state === 'active' ? 'Active alarms' : 'Alarm history'}
      testId="alarms"
      actions={
        <span className="mon-row-actions">
          <button className={`small ${state === 'active' ? 'primary' : ''}`} onClick={() => setState('active')}>
            Active
          </button>
          <button className={`small ${state === 'all' ? 'primary' : ''}`} onClick={() => setState('all')}>
            History
          </button>
          <button className="small" onClick={alarms.reload} aria-label="Reload alarms">
            ↻
          </button>
        </span>
      }
    >
      <ErrorBanner error={alarms.error} />
      {items.length === 0 ? (
        !alarms.loading && !alarms.error && <EmptyState title="No alarms">Everything is within its limits.</EmptyState>
      ) : (
        <Table
          rows={items}
          rowKey={(a) => a.id}
          columns={[
            { title: 'State', render: (a) => <span className={`badge ${a.state === 'active' ? 'bad' : 'ok'}`}>{a.state}</span> },
            { title: 'Service', render: (a) => a.service },
            { title: 'Attribute', render: (a) => <code>{a.attr}</code> },
            { title: 'Host', render: (a) => a.host ?? 'all' },
            { title: 'Rule', render: (a) => `${a.type}: ${describeRule(a)}` },
            { title: 'Value', render: (a) => (a.value === null ? '—' : String(a.value)) },
            { title: 'Minutes', render: (a) => String(a.count) },
            { title: 'Since', render: (a) => when(a.firstAt) },
            { title: 'Last / recovered', render: (a) => when(a.recoveredAt ?? a.lastAt) },
          ]}
        />
      )}
    </Card>
  );
}
