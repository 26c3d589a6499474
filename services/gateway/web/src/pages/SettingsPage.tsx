import { useState, type FormEvent } from 'react';
import { api, ApiError, type Page } from '../api';
import { ROLES, useSession, type Role } from '../auth';
import { Card, EmptyState, ErrorBanner, PageHeader, Table, useApi, when } from '../ui';
import ChangePasswordForm from './ChangePasswordForm';

interface Token {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface User {
  id: string;
  username: string;
  role: Role;
  mustChangePassword: boolean;
  createdAt: string;
}

function Tokens() {
  const { data, error, reload } = useApi<Page<Token>>('/api/v1/tokens?limit=200');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string>();
  const [failure, setFailure] = useState<ApiError>();
  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const t = await api<{ token: string }>('POST', '/api/v1/tokens', { name });
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
        Tokens let the CLI and automation call the API as you (<code>Authorization: Bearer …</code>). A token is shown once, when created.
      </p>
      <form className="toolbar" onSubmit={create}>
        <input
          placeholder="Token name, e.g. laptop-cli"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
          aria-label="Token name"
        />
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
            { title: 'Created', render: (t) => when(t.createdAt) },
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
  const run = async (call: () => Promise<unknown>) => {
    try {
      await call();
      setFailure(undefined);
      reload();
    } catch (err) {
      setFailure(err as ApiError);
    }
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
                onChange={(e) => void run(() => api('PATCH', `/api/v1/users/${u.username}`, { role: e.target.value }))}
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
                <button
                  className="danger small"
                  onClick={() => confirm(`Delete ${u.username}?`) && void run(() => api('DELETE', `/api/v1/users/${u.username}`))}
                >
                  Delete
                </button>
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
  return (
    <>
      <PageHeader title="Settings" subtitle={`Signed in as ${me.username} (${me.role}).`} />
      <div className="grid-2">
        <Card title="Change password">
          <ChangePasswordForm />
        </Card>
        <Tokens />
      </div>
      {can('admin') && <Users />}
    </>
  );
}
