import { Module, type DynamicModule } from '@nestjs/common';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { KVADMIN_CONFIG, type KvAdminConfig } from './config/kv-admin.config.js';
import { HealthController } from './health/health.controller.js';

/** The kv-admin service. */
@Module({})
export class KvAdminModule {
  static forConfig(config: KvAdminConfig): DynamicModule {
    return {
      module: KvAdminModule,
      controllers: [HealthController],
      providers: [
        { provide: KVADMIN_CONFIG, useValue: config },
        ...coreProviders(Component.kvAdmin, config.natsUrl, { target: databaseTargetFor(Component.kvAdmin, config), entities: [], migrations: [] }),
      ],
    };
  }
}
