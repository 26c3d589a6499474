import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ApiError, get } from './api';
import { roleAtLeast, SessionContext, type Me, type Session } from './auth';
import { startLive, stopLive, useLiveStatus } from './live';
import ChangePasswordForm from './pages/ChangePasswordForm';
import LoginPage from './pages/LoginPage';
import { ROUTES } from './routes';
import { Link, navigate, usePath } from './router';
import { Card, EmptyState, PageHeader } from './ui';

function Shell({ session }: { session: Session }) {
  const path = usePath();
  const live = useLiveStatus();
  const [menuOpen, setMenuOpen] = useState(false);
  const visible = ROUTES.filter((r) => !r.minRole || session.can(r.minRole));
  const route = ROUTES.find((r) => r.path === path);
  const allowed = route && (!route.minRole || session.can(route.minRole));
  const Page = allowed ? route.page : undefined;
  useEffect(() => {
    document.title = `${route?.title ?? 'Not found'} · MSEC-TS`;
  }, [route]);
  return (
    <div className={`shell ${menuOpen ? 'menu-open' : ''}`}>
      <aside className="sidebar">
        <div className="brand">
          <span className="logo">M</span> MSEC-TS
          <button className="menu-toggle" aria-label="Menu" onClick={() => setMenuOpen(!menuOpen)}>
            ☰
          </button>
        </div>
        <nav aria-label="Main">
          {visible.map((r) => (
            <Link key={r.path} to={r.path} className={r.path === path ? 'active' : ''} onClick={() => setMenuOpen(false)}>
              <span className="icon" aria-hidden>
                {r.icon}
              </span>
              {r.title}
            </Link>
          ))}
        </nav>
      </aside>
      <div className="main">
        <div className="topbar">
          <span className={`live ${live ? 'ok' : ''}`} title={live ? 'live updates connected' : 'live updates disconnected'}>
            <span className={`dot ${live ? 'ok' : 'bad'}`} /> {live ? 'Live' : 'Offline'}
          </span>
          <span className="user" data-testid="current-user">
            {session.me.username} <span className="badge">{session.me.role}</span>
          </span>
          <button onClick={() => void session.logout()} data-testid="logout">
            Log out
          </button>
        </div>
        <main className="content">
          {Page ? (
            <Page />
          ) : (
            <>
              <PageHeader title={route ? 'Not allowed' : 'Page not found'} />
              <Card>
                <EmptyState title={route ? `${route.title} needs the ${route.minRole} role` : `Nothing at ${path}`}>
                  <Link to="/">Back to the dashboard</Link>
                </EmptyState>
              </Card>
            </>
          )}
        </main>
      </div>
    </div>
  );
}

/** Loads the session, then shows the login page, the forced password change, or the console. */
export default function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<string>();
  const refresh = useCallback(async () => {
    try {
      setMe(await get<Me>('/api/v1/auth/me'));
      setError(undefined);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setError(e instanceof Error ? e.message : String(e));
    }
  }, []);
  useEffect(() => void refresh(), [refresh]);
  const session = useMemo<Session | null>(
    () =>
      me
        ? {
            me,
            can: (role) => roleAtLeast(me.role, role),
            refresh,
            logout: async () => {
              await api('POST', '/api/v1/auth/logout').catch(() => undefined);
              stopLive();
              setMe(null);
              navigate('/');
            },
          }
        : null,
    [me, refresh],
  );
  useEffect(() => {
    if (me && !me.mustChangePassword) startLive();
  }, [me]);
  if (error) return <div className="error-banner page-error">Cannot reach the gateway: {error}</div>;
  if (me === undefined) return <div className="loading">Loading…</div>;
  if (!session) return <LoginPage onLoggedIn={() => void refresh()} />;
  if (session.me.mustChangePassword) {
    return (
      <div className="login-screen">
        <div className="login-card">
          <h1>Choose a new password</h1>
          <p className="muted">You signed in with a one-time password. Choose your own to continue.</p>
          <ChangePasswordForm onDone={() => void refresh()} />
          <button className="link" onClick={() => void session.logout()}>
            Log out
          </button>
        </div>
      </div>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} />
    </SessionContext.Provider>
  );
}
