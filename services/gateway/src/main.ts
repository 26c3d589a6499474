import { Component } from '@msec/contracts';
import { bootstrapHttpService, runMain } from '@msec/platform';
import { loadGatewayConfig } from './config/gateway.config.js';
import { GatewayModule } from './gateway.module.js';
import { configureGateway } from './http/configure-gateway.js';

runMain(Component.gateway, async () => {
  const config = loadGatewayConfig();
  await bootstrapHttpService(GatewayModule.forConfig(config), {
    component: Component.gateway,
    nats: config,
    httpHost: config.httpHost,
    httpPort: config.httpPort,
    configure: (app) => configureGateway(app, config),
  });
});
