import { IsNull, Not, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { ApiTokenEntity, SessionEntity } from './auth.entities.js';

/** How many of a user's credentials a change ended. */
export interface RevokedCredentials {
  /** Browser sessions deleted (the one making the change, if any, is kept). */
  sessions: number;
  /** API tokens revoked (all of them, including one making the change). */
  tokens: number;
}

/**
 * Ends a user's browser sessions (all but `keepSessionId`) and revokes all their live API tokens, inside the
 * caller's transaction. Called whenever a password or role changes, so no credential outlives the change.
 */
export async function revokeCredentials(manager: EntityManager, userId: string, keepSessionId?: string): Promise<RevokedCredentials> {
  const sessions: FindOptionsWhere<SessionEntity> = keepSessionId === undefined ? { userId } : { userId, id: Not(keepSessionId) };
  const deleted = await manager.delete(SessionEntity, sessions);
  const revoked = await manager.update(ApiTokenEntity, { userId, revokedAt: IsNull() }, { revokedAt: Date.now() });
  return { sessions: deleted.affected ?? 0, tokens: revoked.affected ?? 0 };
}

/** "revoked 2 sessions, 1 API token": the audit entry's detail and the console's message. */
export function describeRevoked(revoked: RevokedCredentials): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return `revoked ${plural(revoked.sessions, 'session')}, ${plural(revoked.tokens, 'API token')}`;
}
