import { Module, type DynamicModule } from '@nestjs/common';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { LOG_CONFIG, type LogConfig } from './config/log.config.js';
import { HealthController } from './health/health.controller.js';

/** The log service. */
@Module({})
export class LogModule {
  static forConfig(config: LogConfig): DynamicModule {
    return {
      module: LogModule,
      controllers: [HealthController],
      providers: [
        { provide: LOG_CONFIG, useValue: config },
        ...coreProviders(Component.log, config.natsUrl, { target: databaseTargetFor(Component.log, config), entities: [], migrations: [] }),
      ],
    };
  }
}
