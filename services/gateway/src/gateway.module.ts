import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { AuditController } from './audit/audit.controller.js';
import { AuditDomain } from './audit/audit.domain.js';
import { AuditEntryEntity } from './audit/audit.entities.js';
import { AUDIT_RETENTION, AuditPruner } from './audit/audit-pruner.js';
import { ProjectionCheckpointEntity } from '@msec/bus';
import { ApiTokenEntity, SecretEntity, SessionEntity, TokenUsageEntity, UserEntity } from './auth/auth.entities.js';
import { AuthEvents } from './auth/auth-events.js';
import { GatewayAuthEvents1799000000000 } from './migrations/auth-events.migration.js';
import { GatewayWebhookEvents1799100000000 } from './migrations/webhook-events.migration.js';
import { AuthController } from './auth/auth.controller.js';
import { AuthGuard } from './auth/auth.guard.js';
import { InitialAdmin } from './auth/initial-admin.js';
import { LoginRateLimiter } from './auth/login-rate-limiter.js';
import { SessionsDomain } from './auth/sessions.domain.js';
import { TokensController } from './auth/tokens.controller.js';
import { TokensDomain } from './auth/tokens.domain.js';
import { GatewayAdminController, UsersController } from './auth/users.controller.js';
import { UsersDomain } from './auth/users.domain.js';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config.js';
import { ComponentsController } from './dashboard/components.controller.js';
import { EventsBridge } from './events/events.bridge.js';
import { EventsController } from './events/events.controller.js';
import { HealthController } from './health/health.controller.js';
import { gatewayHealth } from './health/health.provider.js';
import { NatsForwarder } from './http/nats-forwarder.js';
import { GatewaySchema1763769600000 } from './migrations/gateway-schema.migration.js';
import { GatewayTokenScopeAuditDetail1764950000000 } from './migrations/token-scope-audit-detail.migration.js';
import { ArtifactsController } from './releases/artifacts.controller.js';
import { HostsController, KeysController } from './releases/hosts.controller.js';
import { DeployAdminController, ReleasesController } from './releases/releases.controller.js';
import { KvAdminRebuildController, KvController } from './kv/kv.controller.js';
import { LOGS_CONTROLLERS } from './logs/logs.controller.js';
import { MONITORING_CONTROLLERS } from './monitoring/monitoring.controller.js';
import { MessagesController } from './messages/messages.controller.js';
import { RegistryAdminController, ServicesController } from './services/services.controller.js';
import { GatewayWebhooks1765100000000 } from './migrations/webhooks.migration.js';
import { WebhookEvents } from './webhooks/webhook-events.js';
import { GatewayRebuild } from './rebuild/gateway-rebuild.js';
import { UploadBucket } from './releases/upload-bucket.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { WebhooksDomain } from './webhooks/webhooks.domain.js';
import { WebhookDeliveryEntity, WebhookEntity, WebhookTargetEntity } from './webhooks/webhooks.entities.js';
import { TrafficController } from './services/traffic.controller.js';
import { CapacityController } from './capacity/capacity.controller.js';

/** The gateway's tables. */
export const GATEWAY_ENTITIES = [
  UserEntity,
  SessionEntity,
  ApiTokenEntity,
  SecretEntity,
  TokenUsageEntity,
  ProjectionCheckpointEntity,
  AuditEntryEntity,
  WebhookEntity,
  WebhookTargetEntity,
  WebhookDeliveryEntity,
];
/** The gateway's migrations, oldest first. */
export const GATEWAY_MIGRATIONS = [
  GatewaySchema1763769600000,
  GatewayTokenScopeAuditDetail1764950000000,
  GatewayWebhooks1765100000000,
  GatewayAuthEvents1799000000000,
  GatewayWebhookEvents1799100000000,
];

/** The REST gateway and web console. Other areas add their REST controllers to `controllers` here. */
@Module({})
export class GatewayModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [
        HealthController,
        CapacityController,
        AuthController,
        TokensController,
        UsersController,
        GatewayAdminController,
        AuditController,
        EventsController,
        ComponentsController,
        ServicesController,
        TrafficController,
        RegistryAdminController,
        HostsController,
        KeysController,
        ArtifactsController,
        ReleasesController,
        DeployAdminController,
        ...MONITORING_CONTROLLERS,
        ...LOGS_CONTROLLERS,
        KvController,
        KvAdminRebuildController,
        MessagesController,
        WebhooksController,
      ],
      providers: [
        gatewayHealth,
        { provide: GATEWAY_CONFIG, useValue: config },
        ...coreProviders(Component.gateway, config, {
          target: databaseTargetFor(Component.gateway, config),
          entities: GATEWAY_ENTITIES,
          migrations: GATEWAY_MIGRATIONS,
        }),
        { provide: LoginRateLimiter, useFactory: () => new LoginRateLimiter() },
        AuthEvents,
        {
          provide: UsersDomain,
          useFactory: (ds: DataSource, events: AuthEvents) => new UsersDomain(ds, events, config.dataDir),
          inject: [DataSource, AuthEvents],
        },
        SessionsDomain,
        TokensDomain,
        { provide: AUDIT_RETENTION, useValue: { retentionDays: config.auditRetentionDays, maxEntries: config.auditMaxEntries } },
        AuditPruner,
        AuditDomain,
        { provide: APP_GUARD, useClass: AuthGuard },
        InitialAdmin,
        NatsForwarder,
        UploadBucket,
        EventsBridge,
        WebhookEvents,
        GatewayRebuild,
        WebhookDispatcher,
        WebhooksDomain,
      ],
    };
  }
}
