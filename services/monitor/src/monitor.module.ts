import { Module, type DynamicModule } from '@nestjs/common';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { MONITOR_CONFIG, type MonitorConfig } from './config/monitor.config.js';
import { HealthController } from './health/health.controller.js';

/** The monitor service. */
@Module({})
export class MonitorModule {
  static forConfig(config: MonitorConfig): DynamicModule {
    return {
      module: MonitorModule,
      controllers: [HealthController],
      providers: [
        { provide: MONITOR_CONFIG, useValue: config },
        ...coreProviders(Component.monitor, config.natsUrl, { target: databaseTargetFor(Component.monitor, config), entities: [], migrations: [] }),
      ],
    };
  }
}
