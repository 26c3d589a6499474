import { Injectable, Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, In, IsNull, type Repository } from 'typeorm';
import { createEvent } from '@msec/bus';
import { GatewayEventSubjects, GatewayEventType, type ApiTokenView, type CreatedApiToken } from '@msec/contracts';
import { notFound, tokenReadOnly } from '../gateway.errors.js';
import { pageOf, type Page } from '../http/pagination.js';
import type { Principal } from '../http/request-context.js';
import { Role } from './access.js';
import { ApiTokenEntity, TokenUsageEntity, UserEntity } from './auth.entities.js';
import { AuthEvents } from './auth-events.js';
import { randomSecret, sha256 } from './secrets.js';

/** Every API token starts with this, so leaked tokens are easy to scan for. */
export const TOKEN_PREFIX = 'msec_';

/** What a token may do: act with its owner's role, or only read (as a viewer). */
export const TokenScope = { readWrite: 'read-write', readOnly: 'read-only' } as const;
/** One of TokenScope. */
export type TokenScope = (typeof TokenScope)[keyof typeof TokenScope];
/** Every scope, the default first. */
export const TOKEN_SCOPES: readonly TokenScope[] = [TokenScope.readWrite, TokenScope.readOnly];

/** Lifetime of a token created without `expiresInDays`. */
export const DEFAULT_TOKEN_DAYS = 90;
/** Longest lifetime that can be asked for in days (`null` asks for none). */
export const MAX_TOKEN_DAYS = 3650;

/** How a token is created: name, lifetime in days (`null`: never expires; absent: 90 days) and scope. */
export interface TokenRequest {
  name: string;
  expiresInDays?: number | null;
  scope?: TokenScope;
}

/** An API token as listed, and as created (the wire types are in @msec/contracts). */
export type { ApiTokenView, CreatedApiToken };

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function view(t: ApiTokenEntity, lastUsedAt: number | null): ApiTokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    scope: t.scope as TokenScope,
    createdAt: iso(t.createdAt)!,
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(lastUsedAt),
    revokedAt: iso(t.revokedAt),
  };
}

/**
 * API tokens for CLI and automation: created per user, stored as SHA-256, expiring after 90 days unless asked
 * otherwise, acting with that user's role (read-write) or as a viewer (read-only), revocable. Issue and revoke are
 * `gateway.Token*` events; when a token was last used is volatile and kept apart (gateway_token_usage).
 */
@Injectable()
export class TokensDomain {
  private readonly tokens: Repository<ApiTokenEntity>;
  private readonly users: Repository<UserEntity>;
  private readonly usage: Repository<TokenUsageEntity>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(AuthEvents) private readonly events: AuthEvents,
  ) {
    this.tokens = dataSource.getRepository(ApiTokenEntity);
    this.users = dataSource.getRepository(UserEntity);
    this.usage = dataSource.getRepository(TokenUsageEntity);
  }

  /** Creates a token for a user (`gateway.TokenIssued`); the secret is returned once and never stored. */
  async create(userId: string, request: TokenRequest): Promise<CreatedApiToken> {
    const token = `${TOKEN_PREFIX}${randomSecret()}`;
    const days = request.expiresInDays === undefined ? DEFAULT_TOKEN_DAYS : request.expiresInDays;
    const tokenId = randomUUID();
    const secretRef = await this.events.keepSecret(sha256(token));
    const expiresAt = days === null ? null : Date.now() + days * 86_400_000;
    const payload = {
      tokenId,
      userId,
      name: request.name,
      scope: request.scope ?? TokenScope.readWrite,
      prefix: token.slice(0, 12),
      expiresAt,
      secretRef,
    };
    await this.events.decide(GatewayEventSubjects.tokens, () => ({
      append: [createEvent(GatewayEventType.tokenIssued, tokenId, payload)],
      result: undefined,
    }));
    const row = await this.tokens.findOneBy({ id: tokenId });
    if (row === null) throw notFound(`API token ${tokenId}`);
    return { ...view(row, null), token };
  }

  /** A user's tokens, newest first, a page at a time. */
  async list(userId: string, limit: number, after: string | undefined): Promise<Page<ApiTokenView>> {
    const rows = await this.tokens.find({ where: { userId }, order: { createdAt: 'DESC', id: 'ASC' }, take: 1000 });
    const start = after === undefined ? 0 : rows.findIndex((r) => r.id === after) + 1;
    const page = rows.slice(start, start + limit + 1);
    const used = new Map((await this.usage.findBy({ tokenId: In(page.map((r) => r.id)) })).map((u) => [u.tokenId, u.lastUsedAt]));
    return pageOf(
      page,
      limit,
      (r) => r.id,
      (r) => view(r, used.get(r.id) ?? null),
    );
  }

  /**
   * Revokes a token of one's own (admins: anyone's); 404 when it does not exist or is not visible to the caller.
   * A read-only token may revoke itself (so `msec logout` works with one) and nothing else.
   */
  async revoke(id: string, by: Principal): Promise<ApiTokenView> {
    if (by.tokenScope === TokenScope.readOnly && id !== by.tokenId) throw tokenReadOnly();
    const row = await this.tokens.findOneBy({ id });
    if (!row || (row.userId !== by.userId && by.role !== Role.admin)) throw notFound(`API token ${id}`);
    if (row.revokedAt === null) {
      await this.events.decide(GatewayEventSubjects.tokens, (events) => {
        const revoked = events.some((e) => e.type === GatewayEventType.tokenRevoked && e.payload.tokenId === id);
        return {
          append: revoked ? [] : [createEvent(GatewayEventType.tokenRevoked, id, { tokenId: id, userId: row.userId })],
          result: undefined,
        };
      });
    }
    const after = (await this.tokens.findOneBy({ id })) ?? row;
    return view(after, (await this.usage.findOneBy({ tokenId: id }))?.lastUsedAt ?? null);
  }

  /** True while the token is neither revoked nor expired (a long-lived stream checks its caller with it). */
  async isLive(id: string): Promise<boolean> {
    const row = await this.tokens.findOneBy({ id, revokedAt: IsNull() });
    return row !== null && (row.expiresAt === null || row.expiresAt > Date.now());
  }

  /** The principal behind a bearer token, or undefined when unknown, revoked or expired. */
  async resolve(token: string): Promise<Principal | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const now = Date.now();
    const row = await this.tokens.findOneBy({ tokenHash: sha256(token), revokedAt: IsNull() });
    if (!row || (row.expiresAt !== null && row.expiresAt <= now)) return undefined;
    const user = await this.users.findOneBy({ id: row.userId });
    if (!user) return undefined;
    // Writing last use at most once a minute keeps busy automation from hammering the table.
    const used = await this.usage.findOneBy({ tokenId: row.id });
    if (used === null || used.lastUsedAt < now - 60_000) await this.usage.save({ tokenId: row.id, lastUsedAt: now });
    const scope = row.scope === TokenScope.readOnly ? TokenScope.readOnly : TokenScope.readWrite;
    return {
      userId: user.id,
      username: user.username,
      role: scope === TokenScope.readOnly ? Role.viewer : user.role,
      via: 'token',
      tokenId: row.id,
      tokenScope: scope,
      mustChangePassword: user.mustChangePassword,
    };
  }
}
