import { Component } from '@msec/contracts';
import { bootstrapNatsService, runMain } from '@msec/platform';
import { loadDeployConfig } from './config/deploy.config.js';
import { DeployModule } from './deploy.module.js';

runMain(Component.deploy, async () => {
  const config = loadDeployConfig();
  await bootstrapNatsService(DeployModule.forConfig(config), { component: Component.deploy, nats: config });
});
