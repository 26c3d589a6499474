import { Component } from '@msec/contracts';
import { bootstrapNatsService, runMain } from '@msec/platform';
import { loadKvAdminConfig } from './config/kv-admin.config.js';
import { KvAdminModule } from './kv-admin.module.js';

runMain(Component.kvAdmin, async () => {
  const config = loadKvAdminConfig();
  await bootstrapNatsService(KvAdminModule.forConfig(config), { component: Component.kvAdmin, nats: config });
});
