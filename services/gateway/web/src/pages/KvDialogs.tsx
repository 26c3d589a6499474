import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../api';
import { ErrorBanner } from '../ui';

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'NETWORK', String(e));
}

/** A modal box over the page; Escape or the backdrop closes it. */
function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  return (
    <div className="kv-backdrop" onClick={onClose} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="kv-dialog card" role="dialog" aria-modal="true" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

/**
 * A destructive action: the user types the cluster name before the button works (the API checks it again as
 * `confirm`). `extra` renders more fields; `body` builds the request body from the typed confirmation.
 */
export function ConfirmDialog({
  title,
  cluster,
  warning,
  action,
  method = 'POST',
  path,
  body,
  extra,
  onDone,
  onClose,
}: {
  title: string;
  cluster: string;
  warning: ReactNode;
  action: string;
  method?: string;
  path: string;
  body: (confirm: string) => Record<string, unknown>;
  extra?: ReactNode;
  onDone: (result: unknown) => void;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError | string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      onDone(await api(method, path, body(typed)));
    } catch (err) {
      setFailure(asApiError(err));
      setBusy(false);
    }
  };
  return (
    <Modal title={title} onClose={onClose}>
      <form className="form kv-form" onSubmit={submit}>
        <p className="kv-warning">{warning}</p>
        {extra}
        <label>
          <span>
            Type the cluster name <strong>{cluster}</strong> to confirm
          </span>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoFocus autoComplete="off" data-testid="kv-confirm-input" />
        </label>
        <ErrorBanner error={failure} />
        <div className="actions">
          <button className="kv-danger" type="submit" disabled={typed !== cluster || busy}>
            {action}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Parses `host:port=2, id=0` into rebalance weights; throws a readable message when a part is malformed. */
export function parseWeights(text: string): Record<string, number> | undefined {
  const parts = text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const part of parts) {
    const at = part.lastIndexOf('=');
    const weight = Number(part.slice(at + 1));
    if (at <= 0 || !Number.isFinite(weight) || weight < 0) throw new Error(`"${part}" is not node=weight, e.g. 127.0.0.1:7000=2`);
    out[part.slice(0, at).trim()] = weight;
  }
  return out;
}

/** Rebalance with optional weights, behind the typed confirmation. */
export function RebalanceDialog({ cluster, onDone, onClose }: { cluster: string; onDone: (r: unknown) => void; onClose: () => void }) {
  const [weights, setWeights] = useState('');
  let parsed: Record<string, number> | undefined;
  let weightError: string | undefined;
  try {
    parsed = parseWeights(weights);
  } catch (e) {
    weightError = (e as Error).message;
  }
  return (
    <ConfirmDialog
      title={`Rebalance ${cluster}`}
      cluster={cluster}
      warning="Slots move between masters, one at a time, while clients keep working. Only the surplus of each master moves."
      action="Rebalance"
      path={`/api/v1/kv/clusters/${encodeURIComponent(cluster)}/rebalance`}
      body={(confirm) => ({ confirm, ...(parsed ? { weights: parsed } : {}) })}
      extra={
        <label>
          Weights (optional: node=weight, comma-separated; 0 drains a master)
          <input value={weights} onChange={(e) => setWeights(e.target.value)} placeholder="127.0.0.1:7000=2, 127.0.0.1:7001=0" />
          {weightError && <span className="kv-field-error">{weightError}</span>}
        </label>
      }
      onDone={onDone}
      onClose={onClose}
    />
  );
}

/** Adds an empty node as a master or as a replica (of a chosen master, or the one with fewest replicas). */
export function AddNodeDialog({
  cluster,
  role,
  masters,
  onDone,
  onClose,
}: {
  cluster: string;
  role: 'master' | 'replica';
  masters: { id: string; address: string }[];
  onDone: (r: unknown) => void;
  onClose: () => void;
}) {
  const [node, setNode] = useState('');
  const [master, setMaster] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const path = `/api/v1/kv/clusters/${encodeURIComponent(cluster)}/${role === 'master' ? 'masters' : 'replicas'}`;
      onDone(await api('POST', path, { node, ...(role === 'replica' && master ? { master } : {}) }));
    } catch (err) {
      setFailure(asApiError(err));
      setBusy(false);
    }
  };
  return (
    <Modal title={`Add ${role} to ${cluster}`} onClose={onClose}>
      <form className="form kv-form" onSubmit={submit}>
        <label>
          Empty node (host:port)
          <input value={node} onChange={(e) => setNode(e.target.value)} placeholder="127.0.0.1:7006" required autoFocus />
        </label>
        {role === 'replica' && (
          <label>
            Master
            <select value={master} onChange={(e) => setMaster(e.target.value)}>
              <option value="">the master with fewest replicas</option>
              {masters.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.address}
                </option>
              ))}
            </select>
          </label>
        )}
        {role === 'master' && <p className="muted small">A new master holds no slots: rebalance afterwards.</p>}
        <ErrorBanner error={failure} />
        <div className="actions">
          <button className="primary" type="submit" disabled={busy}>
            Add {role}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Register an existing cluster by seeds, or create one from empty nodes. */
export function ClusterForm({
  mode,
  onDone,
  onCancel,
}: {
  mode: 'register' | 'create';
  onDone: (name: string) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState('');
  const [nodes, setNodes] = useState('');
  const [replicas, setReplicas] = useState('1');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiError>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const list = nodes
      .split(/[\s,]+/)
      .map((n) => n.trim())
      .filter((n) => n !== '');
    try {
      // Sent once; kv-admin stores it encrypted and never returns it.
      const secret = password === '' ? {} : { password };
      if (mode === 'register') await api('POST', '/api/v1/kv/clusters', { name, seeds: list, ...secret });
      else await api('POST', '/api/v1/kv/clusters/create', { name, nodes: list, replicasPerMaster: Number(replicas), ...secret });
      onDone(name);
    } catch (err) {
      setFailure(asApiError(err));
      setBusy(false);
    }
  };
  return (
    <form className="form kv-form" onSubmit={submit} data-testid={`kv-${mode}-form`}>
      <label>
        Cluster name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="main" required />
      </label>
      <label>
        {mode === 'register' ? 'Seed nodes (host:port, any reachable node)' : 'Empty nodes (host:port, space or comma separated)'}
        <textarea
          value={nodes}
          onChange={(e) => setNodes(e.target.value)}
          rows={3}
          placeholder="127.0.0.1:7000 127.0.0.1:7001 …"
          required
        />
      </label>
      {mode === 'create' && (
        <label>
          Replicas per master
          <input type="number" min={0} max={5} value={replicas} onChange={(e) => setReplicas(e.target.value)} />
        </label>
      )}
      <label>
        Password (requirepass of the nodes; leave empty when they have none)
        <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </label>
      <ErrorBanner error={failure} />
      <div className="actions">
        <button className="primary" type="submit" disabled={busy}>
          {mode === 'register' ? 'Register cluster' : 'Create cluster'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
