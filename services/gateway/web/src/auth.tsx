import { createContext, useContext } from 'react';
import type { MeView, RevokedCredentials } from '@msec/contracts';

/** Roles from least to most powerful. */
export const ROLES = ['viewer', 'developer', 'admin'] as const;
/** One role. */
export type Role = (typeof ROLES)[number];

/** The logged-in user as GET /api/v1/auth/me answers (its role one the console knows). */
export type Me = MeView & { role: Role };

/** What pages know about the session. */
export interface Session {
  me: Me;
  /** True when the user has at least this role. */
  can: (role: Role) => boolean;
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

/** The current session (pages are only rendered when logged in). */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the logged-in shell');
  return s;
}

/** True when `role` is at least `needed`. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** What a change of password or role ended, as the API reports it. */
export type Revoked = RevokedCredentials;

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "1 session ended, 3 tokens revoked" (`sessions` names them, e.g. "other session"). */
export function revokedText(r: Revoked, sessions = 'session'): string {
  return `${plural(r.sessions, sessions)} ended, ${plural(r.tokens, 'token')} revoked`;
}
