import { Component } from '@msec/contracts';
import { bootstrapNatsService, runMain } from '@msec/platform';
import { loadLogConfig } from './config/log.config.js';
import { LogModule } from './log.module.js';

runMain(Component.log, async () => {
  const config = loadLogConfig();
  await bootstrapNatsService(LogModule.forConfig(config), { component: Component.log, nats: config });
});
