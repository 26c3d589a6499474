import { Module, type DynamicModule } from '@nestjs/common';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from './config/gateway.config.js';
import { HealthController } from './health/health.controller.js';

/** The REST gateway and web console. */
@Module({})
export class GatewayModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [HealthController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        ...coreProviders(Component.gateway, config.natsUrl, { target: databaseTargetFor(Component.gateway, config), entities: [], migrations: [] }),
      ],
    };
  }
}
