import { useState, type FormEvent } from 'react';
import type { ApiTokenScope, ApiTokenView, UserView } from '@msec/contracts';
import { api, ApiError, type Page } from '../api';
import { revokedText, ROLES, useSession, type Revoked, type Role } from '../auth';
import { Card, EmptyState, ErrorBanner, PageHeader, Table, useApi, when } from '../ui';
import ChangePasswordForm from './ChangePasswordForm';

type Scope = ApiTokenScope;
type Token = ApiTokenView;
type User = Omit<UserView, 'role'> & { role: Role };

/** Lifetimes offered at creation, in days; `null` never expires. */
const EXPIRY_CHOICES: { label: string; days: number | null }[] = [
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
  { label: 'never', days: null },
];

function Expiry({ token }: { token: Token }) {
  if (token.expiresAt === null) return <span className="badge warn">never</span>;
  if (!token.revokedAt && Date.parse(token.expiresAt) <= Date.now()) return <span className="badge bad">expired</span>;
  return <span title={when(token.expiresAt)}>{new Date(token.expiresAt).toLocaleDateString()}</span>;
}

function Tokens() {
  const { data, error, reload } = useApi<Page<Token>>('/api/v1/tokens?limit=200');
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('90 days');
  const [scope, setScope] = useState<Scope>('read-write');
  const [created, setCreated] = useState<string>();
  const [failure, setFailure] = useState<ApiError>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const expiresInDays = EXPIRY_CHOICES.find((c) => c.label === expiry)?.days ?? 90;
      const t = await api<{ token: string }>('POST', '/api/v1/tokens', { name, expiresInDays, scope });
      setCreated(t.token);
      setName('');
      setFailure(undefined);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  const revoke = async (id: string) => {
    try {
      await api('DELETE', `/api/v1/tokens/${id}`);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
  };
  return (
    <Card title="API tokens" testId="tokens">
      <p className="muted">
        Tokens let the CLI and automation call the API as you (<code>Authorization: Bearer …</code>). A token is shown once, when created. A
        read-only token acts as a viewer and can change nothing. Changing your password revokes all your tokens.
      </p>
      <form className="toolbar" onSubmit={create}>
        <input
          placeholder="Token name, e.g. laptop-cli"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          aria-label="Token name"
        />
        <select value={expiry} onChange={(e) => setExpiry(e.target.value)} aria-label="Expires after">
          {EXPIRY_CHOICES.map((c) => (
            <option key={c.label} value={c.label}>
              {c.days === null ? 'never expires' : `expires in ${c.label}`}
            </option>
          ))}
        </select>
        <select value={scope} onChange={(e) => setScope(e.target.value as Scope)} aria-label="Scope">
          <option value="read-write">read-write (your role)</option>
          <option value="read-only">read-only (viewer)</option>
        </select>
        <button className="primary" type="submit">
          Create token
        </button>
      </form>
      {created && (
        <div className="ok-banner" data-testid="new-token">
          Copy it now, it will not be shown again: <code>{created}</code>
        </div>
      )}
      <ErrorBanner error={failure ?? error} />
      {data && data.items.length === 0 ? (
        <EmptyState title="No API tokens">Create one for msec login.</EmptyState>
      ) : (
        <Table
          rows={data?.items ?? []}
          rowKey={(t) => t.id}
          columns={[
            { title: 'Name', render: (t) => t.name },
            { title: 'Token', render: (t) => <code>{t.prefix}…</code>, className: 'hide-narrow' },
            { title: 'Scope', render: (t) => (t.scope === 'read-only' ? <span className="badge">read-only</span> : 'read-write') },
            { title: 'Created', render: (t) => when(t.createdAt), className: 'hide-narrow' },
            { title: 'Expires', render: (t) => <Expiry token={t} /> },
            { title: 'Last used', render: (t) => when(t.lastUsedAt), className: 'hide-narrow' },
            {
              title: 'State',
              render: (t) =>
                t.revokedAt ? (
                  <span className="badge bad">revoked</span>
                ) : (
                  <button className="danger small" onClick={() => void revoke(t.id)}>
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      )}
    </Card>
  );
}

function Users() {
  const { me } = useSession();
  const { data, error, reload } = useApi<Page<User>>('/api/v1/users?limit=200');
  const [form, setForm] = useState({ username: '', password: '', role: 'viewer' as Role });
  const [failure, setFailure] = useState<ApiError>();
  const [done, setDone] = useState<string>();
  const run = async (call: () => Promise<unknown>, said?: (reply: { revoked?: Revoked }) => string) => {
    try {
      const reply = (await call()) as { revoked?: Revoked } | undefined;
      setFailure(undefined);
      setDone(said && reply ? said(reply) : undefined);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
      setDone(undefined);
    }
  };
  const outcome = (what: string) => (reply: { revoked?: Revoked }) =>
    reply.revoked ? `${what}: ${revokedText(reply.revoked)}.` : `${what}.`;
  const resetPassword = (u: User) => {
    const password = prompt(`New one-time password for ${u.username} (10 characters or more); they must change it at next login:`);
    if (password) void run(() => api('PATCH', `/api/v1/users/${u.username}`, { password }), outcome(`Password of ${u.username} reset`));
  };
  return (
    <Card title="Users" testId="users">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await api('POST', '/api/v1/users', form);
            setForm({ username: '', password: '', role: 'viewer' });
          });
        }}
      >
        <input
          placeholder="username"
          value={form.username}
          onChange={(e) => setForm({ ...form, username: e.target.value })}
          required
          aria-label="New username"
        />
        <input
          placeholder="one-time password"
          type="password"
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          required
          aria-label="One-time password"
        />
        <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })} aria-label="Role">
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <button className="primary" type="submit">
          Add user
        </button>
      </form>
      <ErrorBanner error={failure ?? error} />
      {done && (
        <div className="ok-banner" role="status">
          {done}
        </div>
      )}
      <Table
        rows={data?.items ?? []}
        rowKey={(u) => u.id}
        columns={[
          { title: 'User', render: (u) => u.username },
          {
            title: 'Role',
            render: (u) => (
              <select
                value={u.role}
                disabled={u.id === me.id}
                aria-label={`Role of ${u.username}`}
                onChange={(e) =>
                  void run(
                    () => api('PATCH', `/api/v1/users/${u.username}`, { role: e.target.value }),
                    outcome(`${u.username} is now ${e.target.value}`),
                  )
                }
              >
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            ),
          },
          {
            title: 'Password',
            render: (u) => (u.mustChangePassword ? <span className="badge warn">one-time</span> : 'set'),
            className: 'hide-narrow',
          },
          { title: 'Created', render: (u) => when(u.createdAt), className: 'hide-narrow' },
          {
            title: '',
            render: (u) =>
              u.id !== me.id && (
                <>
                  <button className="small" onClick={() => resetPassword(u)}>
                    Reset password
                  </button>{' '}
                  <button
                    className="danger small"
                    onClick={() =>
                      confirm(`Delete ${u.username}? Their sessions and API tokens end with them.`) &&
                      void run(() => api('DELETE', `/api/v1/users/${u.username}`))
                    }
                  >
                    Delete
                  </button>
                </>
              ),
          },
        ]}
      />
    </Card>
  );
}

/** Your password and API tokens; user management for admins. */
export default function SettingsPage() {
  const { me, can } = useSession();
  // A password change revokes every token: the list is loaded afresh after one.
  const [changes, setChanges] = useState(0);
  return (
    <>
      <PageHeader title="Settings" subtitle={`Signed in as ${me.username} (${me.role}).`} />
      <div className="grid-2">
        <Card title="Change password">
          <ChangePasswordForm onDone={() => setChanges((n) => n + 1)} />
        </Card>
        <Tokens key={changes} />
      </div>
      {can('admin') && <Users />}
    </>
  );
}
