import type { RevokedCredentials } from '@msec/contracts';

export type { RevokedCredentials };

/** "revoked 2 sessions, 1 API token": the audit entry's detail and the console's message. */
export function describeRevoked(revoked: RevokedCredentials): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return `revoked ${plural(revoked.sessions, 'session')}, ${plural(revoked.tokens, 'API token')}`;
}
