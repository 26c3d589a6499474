import { Module, type DynamicModule } from '@nestjs/common';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { REGISTRY_CONFIG, type RegistryConfig } from './config/registry.config.js';
import { HealthController } from './health/health.controller.js';
import { ZkSession } from './zookeeper/zk-session.js';

/** The registry: service tree, instances and routes in ZooKeeper. */
@Module({})
export class RegistryModule {
  static forConfig(config: RegistryConfig): DynamicModule {
    return {
      module: RegistryModule,
      controllers: [HealthController],
      providers: [
        { provide: REGISTRY_CONFIG, useValue: config },
        ...coreProviders(Component.registry, config.natsUrl, { target: databaseTargetFor(Component.registry, config), entities: [], migrations: [] }),
        { provide: ZkSession, useFactory: () => new ZkSession(config.zkConnect) },
      ],
    };
  }
}
