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
