import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import { revokedText, type Revoked } from '../auth';

/** Changes the user's own password (ending other sessions and revoking tokens); used by Settings and the forced first-login screen. */
export default function ChangePasswordForm({ onDone }: { onDone?: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string>();
  const [ok, setOk] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setOk(undefined);
    if (next !== confirm) return setError('the new passwords differ');
    try {
      const reply = await api<{ revoked: Revoked }>('POST', '/api/v1/auth/password', {
        currentPassword: current,
        newPassword: next,
      });
      setError(undefined);
      setOk(`Password changed: ${revokedText(reply.revoked, 'other session')}.`);
      setCurrent('');
      setNext('');
      setConfirm('');
      onDone?.();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <form className="form" onSubmit={submit} data-testid="password-form">
      <label>
        Current password
        <input
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          required
        />
      </label>
      <label>
        New password (10 characters or more)
        <input
          name="newPassword"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          required
        />
      </label>
      <label>
        Repeat new password
        <input
          name="confirmPassword"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          required
        />
      </label>
      {error && (
        <div className="error-banner" role="alert">
          {error}
        </div>
      )}
      {ok && (
        <div className="ok-banner" role="status">
          {ok}
        </div>
      )}
      <button className="primary" type="submit">
        Change password
      </button>
    </form>
  );
}
