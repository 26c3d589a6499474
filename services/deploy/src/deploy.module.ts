import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { ProjectionCheckpointEntity } from '@msec/bus';
import { Component } from '@msec/contracts';
import { NatsAccountSigner } from '@msec/contracts/nats-authority';
import { NATS_CONNECTION, coreProviders, databaseTargetFor, redisClientOptions } from '@msec/platform';
import { AgentClient } from './agents/agent-client.js';
import { AuditRecord } from './audit/audit.entities.js';
import { AuditStore } from './audit/audit.store.js';
import { DEPLOY_CONFIG, type DeployConfig } from './config/deploy.config.js';
import { DEPLOY_EVENTS } from './deploy.tokens.js';
import { DeployEventLog } from './events/deploy-event-log.js';
import { DeployReadModels } from './events/deploy-read-models.js';
import { ReadModelsController } from './events/read-models.controller.js';
import { JetStreamEventPublisher } from './events/event-publisher.js';
import { HealthController } from './health/health.controller.js';
import { deployHealth } from './health/health.provider.js';
import { HostsController } from './hosts/hosts.controller.js';
import { HostMaintenanceRecord, HostRecord } from './hosts/hosts.entities.js';
import { HostMaintenanceDomain } from './hosts/host-maintenance.domain.js';
import { HostDownWatch } from './hosts/host-down-watch.js';
import { HostsListener } from './hosts/hosts.listener.js';
import { HostsProjection } from './hosts/hosts.projection.js';
import { DeployHostsAudit1763770000000 } from './migrations/1763770000000-deploy-hosts-audit.js';
import { CommandSigner } from './signing/command-signer.js';
import { ConsoleKeyStore } from './signing/console-keys.js';
import { KeysController } from './signing/keys.controller.js';
import { KeysDomain } from './signing/keys.domain.js';
import { ArtifactsController } from './artifacts/artifacts.controller.js';
import { ConfigVersionRecord, IdlVersionRecord, LiveConfigRecord, PackageRecord } from './artifacts/artifacts.entities.js';
import { ConfigVersionsDomain } from './artifacts/config-versions.domain.js';
import { IdlDomain } from './artifacts/idl.domain.js';
import { PackageStore } from './artifacts/package-store.js';
import { PackagesDomain } from './artifacts/packages.domain.js';
import { DeployArtifacts1763770100000 } from './migrations/1763770100000-deploy-artifacts.js';
import { DeployReleases1763770200000 } from './migrations/1763770200000-deploy-releases.js';
import { DeployPackageObjects1763770300000 } from './migrations/1763770300000-deploy-package-objects.js';
import { DeployAuditRequester1764900000000 } from './migrations/1764900000000-deploy-audit-requester.js';
import { DeployHostEnrollments1764950000000 } from './migrations/1764950000000-deploy-host-enrollments.js';
import { DeployReleaseEvents1765000000000 } from './migrations/1765000000000-deploy-release-events.js';
import { DeployLiveConfigs1766000000000 } from './migrations/1766000000000-deploy-live-configs.js';
import { DeployHostMaintenance1766000000001 } from './migrations/1766000000001-deploy-host-maintenance.js';
import { EnrollmentsController } from './enrollment/enrollments.controller.js';
import { EnrollmentsDomain } from './enrollment/enrollments.domain.js';
import { HostEnrollmentRecord } from './enrollment/enrollments.entities.js';
import { HostSteps } from './releases/host-steps.js';
import { InstanceCredentials } from './releases/instance-credentials.js';
import { ReleaseQueue } from './releases/release-queue.js';
import { ReleaseQueueLifecycle } from './releases/release-queue.lifecycle.js';
import { ReleaseRunner } from './releases/release-runner.js';
import { ReleasesController } from './releases/releases.controller.js';
import { ReleasesDomain } from './releases/releases.domain.js';
import { ReleaseRecord } from './releases/releases.entities.js';
import { MESSAGING_CONTROLLERS, messagingProviders } from './messaging/messaging.providers.js';
import { ReleasesRepository } from './releases/releases.repository.js';

/** Every entity of the deploy service. */
export const DEPLOY_ENTITIES = [
  HostRecord,
  HostMaintenanceRecord,
  AuditRecord,
  IdlVersionRecord,
  ConfigVersionRecord,
  LiveConfigRecord,
  PackageRecord,
  ReleaseRecord,
  HostEnrollmentRecord,
  ProjectionCheckpointEntity,
];
/** Every migration of the deploy service, in order. */
export const DEPLOY_MIGRATIONS = [
  DeployHostsAudit1763770000000,
  DeployArtifacts1763770100000,
  DeployReleases1763770200000,
  DeployPackageObjects1763770300000,
  DeployAuditRequester1764900000000,
  DeployHostEnrollments1764950000000,
  DeployReleaseEvents1765000000000,
  DeployLiveConfigs1766000000000,
  DeployHostMaintenance1766000000001,
];

/** The deploy service: hosts, audit, console keys, signed agent commands and release management. */
@Module({})
export class DeployModule {
  static forConfig(config: DeployConfig): DynamicModule {
    // Mints the creds of released business services and of enrolled hosts; null without the account key.
    const natsSigner = config.natsAccountSeed
      ? NatsAccountSigner.fromSeedFile(config.natsAccountSeed, 'natsAccountSeed (MSEC_NATS_ACCOUNT_SEED)')
      : null;
    return {
      module: DeployModule,
      controllers: [
        HealthController,
        HostsController,
        EnrollmentsController,
        KeysController,
        ArtifactsController,
        ReleasesController,
        ReadModelsController,
        ...MESSAGING_CONTROLLERS,
      ],
      providers: [
        deployHealth,
        { provide: DEPLOY_CONFIG, useValue: config },
        ...coreProviders(Component.deploy, config, {
          target: databaseTargetFor(Component.deploy, config),
          entities: DEPLOY_ENTITIES,
          migrations: DEPLOY_MIGRATIONS,
        }),
        { provide: DEPLOY_EVENTS, useClass: JetStreamEventPublisher },
        DeployEventLog,
        { provide: ConsoleKeyStore, useFactory: () => new ConsoleKeyStore(config.dataDir) },
        CommandSigner,
        AgentClient,
        HostsProjection,
        AuditStore,
        KeysDomain,
        HostsListener,
        HostMaintenanceDomain,
        HostDownWatch,
        {
          provide: EnrollmentsDomain,
          useFactory: (ds: DataSource, nc: NatsConnection, keys: KeysDomain) =>
            new EnrollmentsDomain(ds, nc, keys, natsSigner, config.agentNatsUrl || config.natsUrl),
          inject: [DataSource, NATS_CONNECTION, KeysDomain],
        },
        IdlDomain,
        ConfigVersionsDomain,
        {
          provide: PackageStore,
          useFactory: async (nc: NatsConnection) => {
            const store = new PackageStore(nc);
            // room for a few uploads in flight at the size limit
            await store.open(4 * config.packageMaxBytes);
            return store;
          },
          inject: [NATS_CONNECTION],
        },
        {
          provide: PackagesDomain,
          useFactory: (ds: DataSource, store: PackageStore, nc: NatsConnection) =>
            new PackagesDomain(ds, config.dataDir, store, config.packageMaxBytes, nc),
          inject: [DataSource, PackageStore, NATS_CONNECTION],
        },
        ReleasesRepository,
        {
          provide: HostSteps,
          useFactory: (
            agents: AgentClient,
            packages: PackagesDomain,
            configs: ConfigVersionsDomain,
            idl: IdlDomain,
            hosts: HostsProjection,
            liveness: HostDownWatch,
          ) => new HostSteps(agents, packages, configs, idl, hosts, liveness, new InstanceCredentials(config), natsSigner),
          inject: [AgentClient, PackagesDomain, ConfigVersionsDomain, IdlDomain, HostsProjection, HostDownWatch],
        },
        ReleaseRunner,
        {
          provide: ReleaseQueue,
          useFactory: (runner: ReleaseRunner, plans: ReleasesRepository) => new ReleaseQueue(redisClientOptions(config), runner, plans),
          inject: [ReleaseRunner, ReleasesRepository],
        },
        DeployReadModels,
        ReleaseQueueLifecycle,
        ReleasesDomain,
        ...messagingProviders(config),
      ],
    };
  }
}
