import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { HostView, ReleasePlanView, ReleaseProgressEvent } from '@msec/contracts';
import { api, ApiError, get } from '../api';
import { useLiveEvents } from '../live';
import { Can, Card, ErrorBanner, Table, when } from '../ui';

const FINISHED = ['succeeded', 'rolled-back', 'failed'];

/** Hosts finished / all hosts, in percent. */
export function planPercent(plan: ReleasePlanView): number {
  if (plan.state === 'succeeded') return 100;
  const total = plan.hosts.length;
  return total === 0 ? 0 : Math.round((plan.hosts.filter((h) => h.state === 'done').length / total) * 100);
}

const stateClass = (state: string): string =>
  state === 'succeeded' || state === 'done' ? 'ok' : ['failed', 'rolled-back', 'rolling-back'].includes(state) ? 'bad' : 'warn';

/** A state badge. */
export function StateBadge({ state }: { state: string }) {
  return <span className={`badge ${stateClass(state)}`}>{state}</span>;
}

/** A progress bar with its percentage. */
export function ProgressBar({ percent, state, testId }: { percent: number; state: string; testId?: string }) {
  const cls = state === 'succeeded' ? ' ok' : ['failed', 'rolled-back', 'rolling-back'].includes(state) ? ' bad' : '';
  return (
    <span className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} data-testid={testId}>
      <span className="progress-track">
        <span className={`progress-fill${cls}`} style={{ width: `${percent}%` }} />
      </span>
      <span className="small">{percent} %</span>
    </span>
  );
}

/** One plan with its hosts, fed live by progress events (and polled while it runs). */
export function PlanDetail({ planId, onChanged }: { planId: string; onChanged: (newPlanId?: string) => void }) {
  const [plan, setPlan] = useState<ReleasePlanView>();
  const [error, setError] = useState<ApiError>();
  const [message, setMessage] = useState<string>();
  const events = useLiveEvents(5);
  const load = useCallback(async () => {
    try {
      setPlan(await get<ReleasePlanView>(`/api/v1/releases/${encodeURIComponent(planId)}`));
      setError(undefined);
    } catch (e) {
      setError(e as ApiError);
    }
  }, [planId]);
  useEffect(() => {
    setPlan(undefined);
    setMessage(undefined);
    void load();
  }, [load]);
  const running = plan !== undefined && !FINISHED.includes(plan.state) && plan.state !== 'paused';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => void load(), 1500);
    return () => clearInterval(timer);
  }, [running, load]);
  const last = events[0];
  useEffect(() => {
    if (last?.subject !== 'msec.events.deploy.progress') return;
    const p = last.data as ReleaseProgressEvent;
    if (p.planId !== planId) return;
    setMessage(`${p.done}/${p.total}: ${p.message}`);
    void load();
  }, [last, planId, load]);

  const act = async (what: 'resume' | 'rollback') => {
    try {
      const next = await api<ReleasePlanView>('POST', `/api/v1/releases/${encodeURIComponent(planId)}/${what}`);
      onChanged(what === 'rollback' ? next.planId : undefined);
      void load();
    } catch (e) {
      setError(e as ApiError);
    }
  };

  if (!plan) return <Card title="Release plan">{error ? <ErrorBanner error={error} /> : <p className="muted">Loading…</p>}</Card>;
  const percent = planPercent(plan);
  return (
    <Card
      title={`${plan.kind === 'rollback' ? 'Rollback' : 'Release'} ${plan.service} → ${plan.target.packageName}@${plan.target.packageVersion}`}
      testId="plan-detail"
      actions={
        <Can role="developer">
          <div className="actions">
            {plan.state === 'paused' && (
              <button className="primary" data-testid="mutation-button" onClick={() => void act('resume')}>
                Resume
              </button>
            )}
            <button className="danger" data-testid="mutation-button" onClick={() => void act('rollback')} disabled={running}>
              Roll back to this
            </button>
          </div>
        </Can>
      }
    >
      <ErrorBanner error={error} />
      <p>
        <StateBadge state={plan.state} /> <span className="muted small">plan {plan.planId}</span>
      </p>
      <ProgressBar percent={percent} state={plan.state} testId="plan-progress" />
      {message && <p className="muted small">{message}</p>}
      {plan.error && <ErrorBanner error={plan.error} />}
      <p className="muted small">
        port {plan.port} · config {plan.target.configTag ?? '—'} · IDL {plan.target.idlTag ?? '—'} ·{' '}
        {plan.strategy.canary ? 'canary, then ' : ''}batches of {plan.strategy.batchSize}
        {plan.strategy.pauseAfterCanary ? ' · pause after canary' : ''} · created {when(new Date(plan.createdAt).toISOString())}
      </p>
      <Table
        rows={plan.hosts}
        rowKey={(h) => h.hostId}
        columns={[
          { title: 'Batch', render: (h) => (h.batch === 0 && plan.strategy.canary ? 'canary' : String(h.batch)) },
          { title: 'Host', render: (h) => `${h.hostId} (${h.ip})` },
          { title: 'Step', render: (h) => <StateBadge state={h.state} /> },
          { title: 'Error', render: (h) => h.error ?? '' },
        ]}
      />
    </Card>
  );
}

/** The form that creates a release plan: service, versions, target hosts and strategy. */
export function CreatePlanForm({ onCreated, onCancel }: { onCreated: (planId: string) => void; onCancel: () => void }) {
  const [hosts, setHosts] = useState<HostView[]>([]);
  const [form, setForm] = useState({
    service: '',
    packageName: '',
    packageVersion: '',
    configTag: '',
    idlTag: '',
    port: '7963',
    canary: true,
    batchSize: '1',
    pauseAfterCanary: false,
    stabilizeMs: '2000',
  });
  const [targets, setTargets] = useState<string[]>([]);
  const [failure, setFailure] = useState<ApiError>();
  useEffect(() => {
    get<{ items: HostView[] }>('/api/v1/hosts?limit=200').then(
      (p) => setHosts(p.items),
      (e: unknown) => setFailure(e as ApiError),
    );
  }, []);
  const set = (k: keyof typeof form) => (e: { target: { value: string; checked?: boolean; type?: string } }) =>
    setForm((f) => ({ ...f, [k]: e.target.type === 'checkbox' ? Boolean(e.target.checked) : e.target.value }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const num = (v: string) => (/^\d+$/.test(v) ? Number(v) : v);
    // No package and a config tag: a config-only release to what the hosts run now (on their port).
    const configOnly = form.packageName.trim() === '' && form.packageVersion.trim() === '' && form.configTag.trim() !== '';
    try {
      const plan = await api<ReleasePlanView>('POST', '/api/v1/releases', {
        service: form.service,
        ...(configOnly ? {} : { packageName: form.packageName, packageVersion: form.packageVersion, port: num(form.port) }),
        ...(form.configTag ? { configTag: form.configTag } : {}),
        ...(form.idlTag ? { idlTag: form.idlTag } : {}),
        hosts: targets,
        strategy: {
          canary: form.canary,
          batchSize: num(form.batchSize),
          pauseAfterCanary: form.pauseAfterCanary,
          stabilizeMs: num(form.stabilizeMs),
        },
      });
      onCreated(plan.planId);
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  return (
    <Card title="New release plan" testId="create-plan">
      <form className="rel-form" onSubmit={submit}>
        <label>
          Service
          <input value={form.service} onChange={set('service')} placeholder="First.Second" required />
        </label>
        <label>
          Package
          <input value={form.packageName} onChange={set('packageName')} placeholder="empty: config only" />
        </label>
        <label>
          Package version
          <input value={form.packageVersion} onChange={set('packageVersion')} placeholder="1.0.0" />
        </label>
        <label>
          Config tag
          <input value={form.configTag} onChange={set('configTag')} placeholder="optional" />
        </label>
        <label>
          IDL tag
          <input value={form.idlTag} onChange={set('idlTag')} placeholder="optional" />
        </label>
        <label>
          Port
          <input value={form.port} onChange={set('port')} inputMode="numeric" required />
        </label>
        <label className="wide">
          Target hosts ({targets.length} chosen)
          <select
            multiple
            value={targets}
            onChange={(e) => setTargets([...e.target.selectedOptions].map((o) => o.value))}
            size={Math.min(6, Math.max(2, hosts.length))}
          >
            {hosts.map((h) => (
              <option key={h.hostId} value={h.hostId}>
                {h.hostId} ({h.ip}, {h.status})
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.canary} onChange={set('canary')} /> Canary on one host first
        </label>
        <label>
          Batch size
          <input value={form.batchSize} onChange={set('batchSize')} inputMode="numeric" />
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={form.pauseAfterCanary} onChange={set('pauseAfterCanary')} /> Pause after the canary
        </label>
        <label>
          Health gate wait (ms)
          <input value={form.stabilizeMs} onChange={set('stabilizeMs')} inputMode="numeric" />
        </label>
        <div className="wide">
          <ErrorBanner error={failure} />
          <div className="actions">
            <button className="primary" type="submit">
              Start release
            </button>
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </div>
      </form>
    </Card>
  );
}
