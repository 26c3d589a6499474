import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProjectionCheckpointEntity } from '@msec/bus';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { REGISTRY_CONFIG, registryZkAccess, type RegistryConfig } from './config/registry.config.js';
import { HealthController } from './health/health.controller.js';
import { registryHealth } from './health/health.provider.js';
import { CreateRegistry1732200000000 } from './migrations/1732200000000-create-registry.js';
import { CreateTraffic1796000000000 } from './migrations/1796000000000-create-traffic.js';
import { AddRouting1797000000000 } from './migrations/1797000000000-add-routing.js';
import { AddHostOffline1798000000000 } from './migrations/1798000000000-add-host-offline.js';
import { TrafficEntity } from './traffic/traffic.entities.js';
import { ReleaseListener } from './routes/release-listener.js';
import { HostMaintenanceListener } from './routes/host-maintenance-listener.js';
import { RouteSync } from './routes/route-sync.js';
import { ServicesController } from './services/services.controller.js';
import { ServicesDomain } from './services/services.domain.js';
import { InstanceEntity, ServiceEntity } from './services/services.entities.js';
import { ZkSession } from './zookeeper/zk-session.js';

/** Tables and migrations of the registry's database. */
export const REGISTRY_ENTITIES = [ServiceEntity, InstanceEntity, TrafficEntity, ProjectionCheckpointEntity];
/** Migrations applied at start. */
export const REGISTRY_MIGRATIONS = [
  CreateRegistry1732200000000,
  CreateTraffic1796000000000,
  AddRouting1797000000000,
  AddHostOffline1798000000000,
];

/** The registry: service tree, instances and routes in ZooKeeper, event-sourced through the bus. */
@Module({})
export class RegistryModule {
  static forConfig(config: RegistryConfig): DynamicModule {
    const zkAccess = registryZkAccess(config);
    return {
      module: RegistryModule,
      controllers: [HealthController, ServicesController],
      providers: [
        registryHealth,
        { provide: REGISTRY_CONFIG, useValue: config },
        ...coreProviders(Component.registry, config, {
          target: databaseTargetFor(Component.registry, config),
          entities: REGISTRY_ENTITIES,
          migrations: REGISTRY_MIGRATIONS,
        }),
        { provide: ZkSession, useFactory: () => new ZkSession(config.zkConnect, zkAccess?.auth) },
        {
          provide: RouteSync,
          inject: [DataSource, ZkSession],
          useFactory: (ds: DataSource, zk: ZkSession) => new RouteSync(ds, zk, config.zkConnect, zkAccess),
        },
        ServicesDomain,
        ReleaseListener,
        HostMaintenanceListener,
      ],
    };
  }
}
