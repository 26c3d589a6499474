import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { EventDecisions, createEvent, sharedProjectionRunner, type Decision, type ProjectionRunner } from '@msec/bus';
import { GatewayEventSubjects, GatewayEventType } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { ApiTokenEntity, SecretEntity, UserEntity } from './auth.entities.js';
import { AuthProjection, type GatewayEvent } from './auth.projection.js';

/** What a rebuild of users and tokens replayed: rows of each. */
export interface AuthRebuildResult {
  users: number;
  tokens: number;
}

/**
 * Users and API tokens as events: a change is decided on the `gateway.users` (or `gateway.tokens`) events and
 * appended only if no other landed meanwhile, so two gateways never create one username twice nor demote the last
 * admin together; the tables follow through the auth projection, which every change waits for (a revoked token is
 * refused as soon as the revoke is answered).
 */
@Injectable()
export class AuthEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('auth-events');
  private readonly decisions: EventDecisions<GatewayEvent>;
  private readonly projection: ProjectionRunner<GatewayEvent>;
  private rebuilding: Promise<AuthRebuildResult> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly dataSource: DataSource,
  ) {
    this.decisions = new EventDecisions(nc);
    this.projection = sharedProjectionRunner(nc, dataSource, new AuthProjection(), (message) => this.logger.error(message));
  }

  async onModuleInit(): Promise<void> {
    await this.decisions.init();
    await this.importLegacyRows((await this.projection.checkpoint()) === 0);
    await this.projection.start();
    await this.projection.waitUntilCaughtUp();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }

  /** Decides a change on the events of `subject`, appends it, and waits until the tables have it. */
  async decide<T>(
    subject: string,
    decide: (events: GatewayEvent[]) => Promise<Decision<GatewayEvent, T>> | Decision<GatewayEvent, T>,
  ): Promise<T> {
    const result = await this.decisions.decide(subject, decide);
    await this.projection.waitUntilCaughtUp();
    return result;
  }

  /** Keeps a password or token hash and answers the reference events name it by. */
  async keepSecret(value: string): Promise<string> {
    const ref = randomUUID();
    await this.dataSource.getRepository(SecretEntity).insert({ ref, value });
    return ref;
  }

  /** Empties the user and token tables and replays the events; a rebuild asked for while one runs joins it. */
  rebuild(): Promise<AuthRebuildResult> {
    this.rebuilding ??= this.projection
      .rebuild()
      .then(async () => ({
        users: await this.dataSource.getRepository(UserEntity).count(),
        tokens: await this.dataSource.getRepository(ApiTokenEntity).count(),
      }))
      .finally(() => {
        this.rebuilding = undefined;
      });
    return this.rebuilding;
  }

  /** On the first start of the projection, users and tokens stored before the gateway's events existed become events, once. */
  private async importLegacyRows(firstStart: boolean): Promise<void> {
    if (!firstStart) return;
    const users = await this.dataSource.getRepository(UserEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const tokens = await this.dataSource.getRepository(ApiTokenEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const userEvents: GatewayEvent[] = [];
    for (const u of users) {
      const payload = {
        userId: u.id,
        username: u.username,
        role: u.role,
        mustChangePassword: Boolean(u.mustChangePassword),
        credentialRef: await this.keepSecret(u.passwordHash),
        createdAt: u.createdAt,
        updatedAt: u.updatedAt,
      };
      userEvents.push(createEvent(GatewayEventType.userImported, u.id, payload));
    }
    const tokenEvents: GatewayEvent[] = [];
    for (const t of tokens) {
      const payload = {
        tokenId: t.id,
        userId: t.userId,
        name: t.name,
        scope: t.scope,
        prefix: t.prefix,
        expiresAt: t.expiresAt,
        secretRef: await this.keepSecret(t.tokenHash),
        createdAt: t.createdAt,
        revokedAt: t.revokedAt,
      };
      tokenEvents.push(createEvent(GatewayEventType.tokenImported, t.id, payload));
    }
    const importedUsers = await this.decisions.appendToEmpty(GatewayEventSubjects.users, userEvents);
    const importedTokens = await this.decisions.appendToEmpty(GatewayEventSubjects.tokens, tokenEvents);
    if (importedUsers || importedTokens)
      this.logger.log(`carried into the event stream: ${users.length} user(s), ${tokens.length} API token(s)`);
  }
}
