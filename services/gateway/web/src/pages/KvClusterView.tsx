import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type {
  KvCheckReport,
  KvKeyInspection,
  KvNodeSample,
  KvNodeView,
  KvOperationView,
  KvProgressEvent,
  KvSlowlogEntry,
  KvTopology,
} from '@msec/contracts';
import { ApiError, get } from '../api';
import { useLiveEvents } from '../live';
import { Can, Card, EmptyState, ErrorBanner, Table, useApi, when } from '../ui';
import { AddNodeDialog, ConfirmDialog, RebalanceDialog } from './KvDialogs';

/** How often topology, samples and the operation list are fetched again. */
const REFRESH_MS = 5000;

const PROGRESS_SUBJECT = 'msec.events.kv.progress';

/** `useApi` that also refetches every REFRESH_MS, keeping what is shown meanwhile. */
function usePolled<T>(path: string) {
  const result = useApi<T>(path);
  const { reload } = result;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return result;
}

const bytes = (n: number): string =>
  n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;

function ranges(node: KvNodeView): string {
  if (node.slots.length === 0) return '—';
  return node.slots.map((r) => (r.start === r.end ? String(r.start) : `${r.start}-${r.end}`)).join(', ');
}

function statusBadge(status: KvOperationView['status']): string {
  return status === 'succeeded' ? 'badge ok' : status === 'failed' ? 'badge bad' : 'badge warn';
}

/** A progress bar with its percentage as text and as an ARIA value. */
function ProgressBar({ percent, label }: { percent: number; label: string }) {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div className="kv-progress" role="progressbar" aria-label={label} aria-valuenow={p} aria-valuemin={0} aria-valuemax={100}>
      <div className="kv-progress-fill" style={{ width: `${p}%` }} />
      <span>{p}%</span>
    </div>
  );
}

type Dialog =
  | { kind: 'rebalance' }
  | { kind: 'add'; role: 'master' | 'replica' }
  | { kind: 'remove'; node: KvNodeView }
  | { kind: 'failover'; node: KvNodeView }
  | { kind: 'unregister' }
  | { kind: 'resume'; operation: KvOperationView };

/** One cluster: topology, health check, operations with live progress, samples, slow log and key lookup. */
export default function KvClusterView({ cluster, onUnregistered }: { cluster: string; onUnregistered: () => void }) {
  const base = `/api/v1/kv/clusters/${encodeURIComponent(cluster)}`;
  const topology = usePolled<KvTopology>(`${base}/topology`);
  const check = useApi<KvCheckReport>(`${base}/check`);
  const samples = usePolled<{ items: KvNodeSample[] }>(`${base}/samples`);
  const operations = usePolled<{ items: KvOperationView[] }>(`${base}/operations?limit=10`);
  const slowlog = useApi<{ items: KvSlowlogEntry[] }>(`${base}/slowlog?count=10`);
  const [dialog, setDialog] = useState<Dialog>();
  const [live, setLive] = useState<Record<string, Partial<KvOperationView>>>({});

  // Progress events of this cluster overlay the last fetched operation rows; a finished one refreshes everything.
  const events = useLiveEvents(50);
  const reloadAll = [topology.reload, check.reload, samples.reload, operations.reload];
  useEffect(() => {
    const latest = events[0];
    if (!latest || latest.subject !== PROGRESS_SUBJECT) return;
    const e = latest.data as KvProgressEvent;
    if (e.cluster !== cluster) return;
    setLive((prev) => ({ ...prev, [e.operationId]: { status: e.status, percent: e.percent, step: e.step, message: e.message } }));
    if (e.status === 'succeeded' || e.status === 'failed') reloadAll.forEach((r) => r());
  }, [events, cluster]);

  const ops = useMemo(
    () => (operations.data?.items ?? []).map((o) => ({ ...o, ...live[o.id] }) as KvOperationView),
    [operations.data, live],
  );
  const nodes = topology.data?.nodes ?? [];
  const masters = nodes.filter((n) => n.role === 'master').sort((a, b) => (a.slots[0]?.start ?? 1e9) - (b.slots[0]?.start ?? 1e9));
  const replicasOf = (m: KvNodeView) => nodes.filter((n) => n.masterId === m.id);
  const orphans = nodes.filter((n) => n.role === 'replica' && !masters.some((m) => m.id === n.masterId));
  const started = () => {
    setDialog(undefined);
    setLive({});
    operations.reload();
  };

  const nodeRow = (n: KvNodeView, replica: boolean) => (
    <tr key={n.id} data-testid={`kv-node-${n.address}`} className={replica ? 'kv-replica' : 'kv-master'}>
      <td>
        {replica ? '↳ ' : ''}
        <strong>{n.address}</strong>
        <div className="muted small">{n.id.slice(0, 10)}</div>
      </td>
      <td>
        <span className={`badge${n.role === 'master' ? '' : ' ok'}`}>{n.role}</span>
        {n.failing && <span className="badge bad">failing</span>}
      </td>
      <td className="small">{replica ? '' : `${ranges(n)} (${n.slotCount})`}</td>
      <td>
        <span className={`dot ${n.linkState === 'connected' ? 'ok' : 'bad'}`} /> {n.linkState}
      </td>
      <td>{n.configEpoch}</td>
      <td className="small">
        {[...n.migrating.map((m) => `${m.slot}→${m.to.slice(0, 8)}`), ...n.importing.map((i) => `${i.slot}←${i.from.slice(0, 8)}`)].join(
          ', ',
        ) || '—'}
      </td>
      <td>
        <Can role="admin">
          <span className="kv-row-actions">
            <button className="small" onClick={() => setDialog({ kind: 'failover', node: n })}>
              Failover
            </button>
            <button className="small danger" onClick={() => setDialog({ kind: 'remove', node: n })}>
              Remove
            </button>
          </span>
        </Can>
      </td>
    </tr>
  );

  return (
    <>
      <Card
        title={`Topology of ${cluster}`}
        testId="kv-topology"
        actions={
          <span className="kv-row-actions">
            <Can role="developer">
              <button onClick={() => setDialog({ kind: 'add', role: 'master' })}>Add master</button>
              <button onClick={() => setDialog({ kind: 'add', role: 'replica' })}>Add replica</button>
            </Can>
            <Can role="admin">
              <button onClick={() => setDialog({ kind: 'rebalance' })}>Rebalance</button>
              <button className="danger" onClick={() => setDialog({ kind: 'unregister' })}>
                Unregister
              </button>
            </Can>
          </span>
        }
      >
        <ErrorBanner error={topology.error} />
        {topology.data && (
          <p className="muted small" data-testid="kv-topology-summary">
            state <span className={`badge ${topology.data.state === 'ok' ? 'ok' : 'bad'}`}>{topology.data.state}</span> · current epoch{' '}
            {topology.data.currentEpoch} · {masters.length} masters, {nodes.length - masters.length} replicas · seen from{' '}
            {topology.data.seenFrom} at {when(topology.data.fetchedAt)}
          </p>
        )}
        {!topology.data && !topology.error ? (
          <p className="muted">Loading…</p>
        ) : nodes.length > 0 ? (
          <div className="table-wrap">
            <table className="kv-topology">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Role</th>
                  <th>Slots</th>
                  <th>Link</th>
                  <th>Config epoch</th>
                  <th>Open slots</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {masters.flatMap((m) => [nodeRow(m, false), ...replicasOf(m).map((r) => nodeRow(r, true))])}
                {orphans.map((r) => nodeRow(r, true))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Card>

      <div className="grid-2">
        <Card
          title="Health check"
          testId="kv-check"
          actions={
            <button className="small" onClick={check.reload}>
              Check again
            </button>
          }
        >
          <ErrorBanner error={check.error} />
          {check.data ? (
            <>
              <p>
                <span className={`badge ${check.data.ok ? 'ok' : 'bad'}`}>{check.data.ok ? 'healthy' : 'problems found'}</span>{' '}
                <span className="muted small">
                  cluster_state {check.data.clusterState} · {check.data.coveredSlots} of 16384 slots covered ·{' '}
                  {check.data.nodesAgree ? 'all nodes agree' : 'nodes disagree about the slot map'}
                </span>
              </p>
              {check.data.errors.length + check.data.warnings.length === 0 ? (
                <p className="muted">No errors or warnings.</p>
              ) : (
                <ul className="kv-findings">
                  {check.data.errors.map((e) => (
                    <li key={e} className="kv-error">
                      ✖ {e}
                    </li>
                  ))}
                  {check.data.warnings.map((w) => (
                    <li key={w} className="kv-warn">
                      ⚠ {w}
                    </li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            !check.error && <p className="muted">Checking…</p>
          )}
        </Card>

        <Card title="Operations" testId="kv-operations">
          <ErrorBanner error={operations.error} />
          {ops.length === 0 ? (
            <EmptyState title="No operations yet">
              Create, add, rebalance, remove and failover runs appear here with their progress.
            </EmptyState>
          ) : (
            <ul className="kv-ops">
              {ops.map((o) => (
                <li key={o.id} data-testid={`kv-op-${o.kind}`}>
                  <div className="kv-op-head">
                    <strong>{o.kind}</strong> <span className={statusBadge(o.status)}>{o.status}</span>
                    <span className="muted small">{when(o.createdAt)}</span>
                    {o.status === 'failed' && (
                      <Can role="admin">
                        <button className="small" onClick={() => setDialog({ kind: 'resume', operation: o })}>
                          Resume
                        </button>
                      </Can>
                    )}
                  </div>
                  <ProgressBar percent={o.percent} label={`${o.kind} progress`} />
                  <div className="muted small">
                    {o.step}
                    {o.message ? `: ${o.message}` : ''}
                  </div>
                  {o.error && <div className="kv-error small">{o.error}</div>}
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>

      <Card title="Nodes now" testId="kv-samples">
        <ErrorBanner error={samples.error} />
        {(samples.data?.items.length ?? 0) === 0 ? (
          <p className="muted">No samples yet (kv-admin samples every node every few seconds).</p>
        ) : (
          <Table
            rows={samples.data!.items}
            rowKey={(s) => s.node}
            columns={[
              { title: 'Node', render: (s) => s.node },
              { title: 'Role', render: (s) => s.role },
              { title: 'Ops/s', render: (s) => s.opsPerSec },
              { title: 'Memory', render: (s) => bytes(s.usedMemoryBytes) },
              { title: 'Keys', render: (s) => s.keys },
              { title: 'Clients', render: (s) => s.clients },
              { title: 'Hit ratio', render: (s) => (s.hitRatio === null ? '—' : `${(s.hitRatio * 100).toFixed(1)} %`) },
              { title: 'Repl. offset', render: (s) => s.replicationOffset },
              { title: 'Sampled', render: (s) => when(s.at) },
            ]}
          />
        )}
      </Card>

      <div className="grid-2">
        <Card
          title="Slow log"
          testId="kv-slowlog"
          actions={
            <button className="small" onClick={slowlog.reload}>
              Refresh
            </button>
          }
        >
          <ErrorBanner error={slowlog.error} />
          {(slowlog.data?.items.length ?? 0) === 0 ? (
            <p className="muted">No slow commands logged.</p>
          ) : (
            <Table
              rows={slowlog.data!.items}
              rowKey={(e) => `${e.node}/${e.id}`}
              columns={[
                { title: 'Node', render: (e) => e.node },
                { title: 'µs', render: (e) => e.durationMicros },
                { title: 'Command', render: (e) => <code className="small">{e.command.join(' ')}</code> },
                { title: 'When', render: (e) => when(e.at) },
              ]}
            />
          )}
        </Card>
        <KeyLookup base={base} />
      </div>

      {dialog?.kind === 'rebalance' && <RebalanceDialog cluster={cluster} onDone={started} onClose={() => setDialog(undefined)} />}
      {dialog?.kind === 'add' && (
        <AddNodeDialog cluster={cluster} role={dialog.role} masters={masters} onDone={started} onClose={() => setDialog(undefined)} />
      )}
      {(dialog?.kind === 'remove' || dialog?.kind === 'failover') && (
        <ConfirmDialog
          title={`${dialog.kind === 'remove' ? 'Remove' : 'Fail over'} ${dialog.node.address}`}
          cluster={cluster}
          warning={
            dialog.kind === 'remove'
              ? 'Its slots move to the other masters first, its replicas follow other masters, then every node forgets it and it is reset to an empty node.'
              : dialog.node.role === 'replica'
                ? 'This replica takes over from its master (CLUSTER FAILOVER); the old master becomes its replica.'
                : "This master's first connected replica takes over (CLUSTER FAILOVER); the master becomes its replica."
          }
          action={dialog.kind === 'remove' ? 'Remove node' : 'Fail over'}
          path={`${base}/${dialog.kind === 'remove' ? 'nodes/remove' : 'failover'}`}
          body={(confirm) => ({ node: dialog.node.id, confirm })}
          onDone={started}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'resume' && (
        <ConfirmDialog
          title={`Resume ${dialog.operation.kind}`}
          cluster={cluster}
          warning={`Runs the failed ${dialog.operation.kind} again from its saved state. Fix what failed first: ${dialog.operation.error ?? ''}`}
          action="Resume"
          path={`/api/v1/kv/operations/${encodeURIComponent(dialog.operation.id)}/resume`}
          body={(confirm) => ({ confirm })}
          onDone={started}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'unregister' && (
        <ConfirmDialog
          title={`Unregister ${cluster}`}
          cluster={cluster}
          warning="kv-admin forgets this cluster (its operation history and samples); the Redis nodes and their data are untouched."
          action="Unregister"
          method="DELETE"
          path={base}
          body={(confirm) => ({ confirm })}
          onDone={() => {
            setDialog(undefined);
            onUnregistered();
          }}
          onClose={() => setDialog(undefined)}
        />
      )}
    </>
  );
}

/** Read-only key lookup: type, TTL, memory and a bounded preview. */
function KeyLookup({ base }: { base: string }) {
  const [key, setKey] = useState('');
  const [result, setResult] = useState<KvKeyInspection>();
  const [failure, setFailure] = useState<ApiError>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFailure(undefined);
    try {
      setResult(await get<KvKeyInspection>(`${base}/keys?key=${encodeURIComponent(key)}`));
    } catch (err) {
      setResult(undefined);
      setFailure(err instanceof ApiError ? err : new ApiError(0, 'NETWORK', String(err)));
    }
  };
  return (
    <Card title="Key lookup" testId="kv-key">
      <form className="toolbar" onSubmit={submit}>
        <input aria-label="Key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="user:1001" required />
        <button type="submit">Look up</button>
      </form>
      <ErrorBanner error={failure} />
      {result &&
        (!result.exists ? (
          <p className="muted" data-testid="kv-key-result">
            No such key (slot {result.slot} on {result.node}).
          </p>
        ) : (
          <div data-testid="kv-key-result">
            <p className="small">
              <span className="badge">{result.type}</span> slot {result.slot} on {result.node} · TTL{' '}
              {result.ttlMs < 0 ? 'none' : `${(result.ttlMs / 1000).toFixed(1)} s`} · size {result.size}
              {result.memoryBytes !== null ? ` · ${bytes(result.memoryBytes)}` : ''}
            </p>
            {result.preview.kind === 'string' && (
              <pre className="kv-preview">
                {result.preview.value}
                {result.preview.truncated ? ' …' : ''}
              </pre>
            )}
            {result.preview.kind === 'elements' && (
              <pre className="kv-preview">
                {result.preview.items
                  .map((i) =>
                    i.field !== undefined ? `${i.field} → ${i.value}` : i.score !== undefined ? `${i.value} (${i.score})` : i.value,
                  )
                  .join('\n')}
                {result.preview.truncated ? '\n…' : ''}
              </pre>
            )}
          </div>
        ))}
    </Card>
  );
}
