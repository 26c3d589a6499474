import { Component } from '@msec/contracts';
import { bootstrapNatsService, runMain } from '@msec/platform';
import { loadMonitorConfig } from './config/monitor.config.js';
import { MonitorModule } from './monitor.module.js';

runMain(Component.monitor, async () => {
  const config = loadMonitorConfig();
  await bootstrapNatsService(MonitorModule.forConfig(config), { component: Component.monitor, nats: config });
});
