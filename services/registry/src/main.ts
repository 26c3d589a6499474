import { Component } from '@msec/contracts';
import { bootstrapNatsService, runMain } from '@msec/platform';
import { loadRegistryConfig } from './config/registry.config.js';
import { RegistryModule } from './registry.module.js';

runMain(Component.registry, async () => {
  const config = loadRegistryConfig();
  await bootstrapNatsService(RegistryModule.forConfig(config), { component: Component.registry, nats: config });
});
