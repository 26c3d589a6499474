import { IsNull, type EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { GatewayEventSubjects, GatewayEventType, type GatewayEventPayloads } from '@msec/contracts';
import { ApiTokenEntity, SecretEntity, UserEntity } from './auth.entities.js';
import { deleteAllRows } from '@msec/persistence';

/** A gateway event with its typed payload. */
export type GatewayEvent = { [K in keyof GatewayEventPayloads]: DomainEvent<K, GatewayEventPayloads[K]> }[keyof GatewayEventPayloads];

/** Users by id as the user events leave them: name and role (what the decisions check). */
export function foldUsers(events: GatewayEvent[]): Map<string, { username: string; role: string }> {
  const users = new Map<string, { username: string; role: string }>();
  for (const e of events) {
    switch (e.type) {
      case GatewayEventType.userCreated:
      case GatewayEventType.userImported:
        users.set(e.payload.userId, { username: e.payload.username, role: e.payload.role });
        break;
      case GatewayEventType.userRoleChanged: {
        const user = users.get(e.payload.userId);
        if (user !== undefined) user.role = e.payload.role;
        break;
      }
      case GatewayEventType.userDeleted:
        users.delete(e.payload.userId);
        break;
      default:
        break;
    }
  }
  return users;
}

async function secret(em: EntityManager, ref: string): Promise<string> {
  const row = await em.getRepository(SecretEntity).findOneBy({ ref });
  // A reference without its hash (a crash between keeping it and appending the event cannot cause this; a lost
  // table can): an unusable hash, so the credential fails closed rather than the projection stopping.
  return row?.value ?? '!missing';
}

/** Writes a token row as issued (or imported): its hash looked up by the reference the event names. */
async function saveToken(
  em: EntityManager,
  p: GatewayEventPayloads['gateway.TokenIssued'],
  createdAt: number,
  revokedAt: number | null,
): Promise<void> {
  await em.getRepository(ApiTokenEntity).save({
    id: p.tokenId,
    userId: p.userId,
    name: p.name,
    scope: p.scope,
    prefix: p.prefix,
    tokenHash: await secret(em, p.secretRef),
    createdAt,
    expiresAt: p.expiresAt,
    lastUsedAt: null,
    revokedAt,
  });
}

/**
 * Users and API tokens (`gateway_users`, `gateway_api_tokens`). A password or role change revokes the user's live
 * tokens, and a deleted user's tokens go with them, here, so a rebuild revokes exactly what the change did.
 */
export class AuthProjection implements Projection<GatewayEvent> {
  readonly service = 'gateway';
  readonly name = 'auth';
  readonly subjects = GatewayEventSubjects.all;

  async apply(em: EntityManager, event: GatewayEvent, _meta: EventMeta): Promise<void> {
    const users = em.getRepository(UserEntity);
    const tokens = em.getRepository(ApiTokenEntity);
    const at = Date.parse(event.occurredAt);
    const revokeTokensOf = (userId: string) => tokens.update({ userId, revokedAt: IsNull() }, { revokedAt: at });
    switch (event.type) {
      case GatewayEventType.userCreated: {
        const p = event.payload;
        const passwordHash = await secret(em, p.credentialRef);
        await users.save({
          id: p.userId,
          username: p.username,
          role: p.role,
          mustChangePassword: p.mustChangePassword,
          passwordHash,
          createdAt: at,
          updatedAt: at,
        });
        return;
      }
      case GatewayEventType.userImported: {
        const p = event.payload;
        const passwordHash = await secret(em, p.credentialRef);
        await users.save({
          id: p.userId,
          username: p.username,
          role: p.role,
          mustChangePassword: p.mustChangePassword,
          passwordHash,
          createdAt: p.createdAt,
          updatedAt: p.updatedAt,
        });
        return;
      }
      case GatewayEventType.userPasswordChanged: {
        const p = event.payload;
        await users.update(
          { id: p.userId },
          { passwordHash: await secret(em, p.credentialRef), mustChangePassword: p.mustChangePassword, updatedAt: at },
        );
        await revokeTokensOf(p.userId);
        return;
      }
      case GatewayEventType.userRoleChanged:
        await users.update({ id: event.payload.userId }, { role: event.payload.role, updatedAt: at });
        await revokeTokensOf(event.payload.userId);
        return;
      case GatewayEventType.userDeleted:
        await tokens.delete({ userId: event.payload.userId });
        await users.delete({ id: event.payload.userId });
        return;
      case GatewayEventType.tokenIssued:
        await saveToken(em, event.payload, at, null);
        return;
      case GatewayEventType.tokenImported:
        await saveToken(em, event.payload, event.payload.createdAt, event.payload.revokedAt);
        return;
      case GatewayEventType.tokenRevoked:
        await tokens.update({ id: event.payload.tokenId, revokedAt: IsNull() }, { revokedAt: at });
        return;
      default:
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, ApiTokenEntity);
    await deleteAllRows(em, UserEntity);
  }
}
