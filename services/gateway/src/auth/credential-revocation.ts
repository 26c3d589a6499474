/** How many of a user's credentials a change ended. */
export interface RevokedCredentials {
  /** Browser sessions deleted (the one making the change, if any, is kept). */
  sessions: number;
  /** API tokens revoked (all of them, including one making the change). */
  tokens: number;
}

/** "revoked 2 sessions, 1 API token": the audit entry's detail and the console's message. */
export function describeRevoked(revoked: RevokedCredentials): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return `revoked ${plural(revoked.sessions, 'session')}, ${plural(revoked.tokens, 'API token')}`;
}
