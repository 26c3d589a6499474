import { Module, type DynamicModule } from '@nestjs/common';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { DEPLOY_CONFIG, type DeployConfig } from './config/deploy.config.js';
import { HealthController } from './health/health.controller.js';

/** The deploy service. */
@Module({})
export class DeployModule {
  static forConfig(config: DeployConfig): DynamicModule {
    return {
      module: DeployModule,
      controllers: [HealthController],
      providers: [
        { provide: DEPLOY_CONFIG, useValue: config },
        ...coreProviders(Component.deploy, config.natsUrl, { target: databaseTargetFor(Component.deploy, config), entities: [], migrations: [] }),
      ],
    };
  }
}
