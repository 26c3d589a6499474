/** What an API token may do: act with its owner's role, or only read (as a viewer). */
export type ApiTokenScope = 'read-write' | 'read-only';

/** A console user as the REST API shows it (never the hash). */
export interface UserView {
  id: string;
  username: string;
  role: string;
  mustChangePassword: boolean;
  createdAt: string;
}

/** Who is calling, as `GET /api/v1/auth/me` answers: the user, how they signed in, and a token's scope. */
export interface MeView extends UserView {
  via: 'session' | 'token';
  /** Only when calling with an API token. */
  scope?: ApiTokenScope;
}

/** How many of a user's credentials a change of password or role ended. */
export interface RevokedCredentials {
  /** Browser sessions deleted (the one making the change, if any, is kept). */
  sessions: number;
  /** API tokens revoked (all of them, including one making the change). */
  tokens: number;
}

/** One page of a list: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One event the gateway pushes to browsers (`GET /api/v1/events/stream`, server-sent events). */
export interface LiveEvent {
  subject: string;
  /** When the gateway received it, ISO 8601. */
  at: string;
  data: unknown;
}

/** An API token as listed (never the secret). */
export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  scope: ApiTokenScope;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A newly created token: the only time `token` is ever shown. */
export interface CreatedApiToken extends ApiTokenView {
  token: string;
}

/** One entry of the audit log: a mutating REST call. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  role: string;
  via: string;
  method: string;
  path: string;
  status: number;
  result: string;
  /** What the call ended or changed beyond its result (e.g. "revoked 2 sessions, 3 API tokens"), or null. */
  detail: string | null;
}

/** One platform component as the dashboard shows it (`GET /api/v1/components`). */
export interface ComponentStatus {
  component: string;
  ready: boolean;
  /** Why it is not ready, in words: the failing dependencies, or that it does not answer. */
  detail: string;
  /** The error code when it could not be asked (NATS_NO_RESPONDERS: not running; NATS_TIMEOUT: no answer in time). */
  code?: string;
}

/** One caller's breaker for one method of the callee, over the window of BreakersView. */
export interface CallerBreakerView {
  caller: string;
  method: string;
  /** The worst state the caller's instances reported in the latest minute with a report; closed when none did since. */
  state: 'closed' | 'half-open' | 'open';
  /** Minute (ms since the epoch) of that latest report, null when the breaker reported nothing in the window. */
  stateAt: number | null;
  /** Times it opened and calls it refused in the window. */
  opened: number;
  refused: number;
}

/**
 * What `GET /api/v1/services/{name}/breakers` answers: the circuit breakers the service's callers keep for it, read
 * from their per-minute reports in Monitoring (the gateway assembles it; no service owns it).
 */
export interface BreakersView {
  service: string;
  /** How many minutes back the view looks. */
  minutes: number;
  breakers: CallerBreakerView[];
}
