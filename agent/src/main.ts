import { Component } from '@msec/contracts';
import { bootstrapNatsService, runMain } from '@msec/platform';
import { loadAgentConfig } from './config/agent.config.js';
import { waitForConsoleKey } from './config/console-key-wait.js';
import { AgentModule } from './agent.module.js';

runMain(Component.agent, async () => {
  const config = loadAgentConfig();
  await waitForConsoleKey(config.consoleKeyFile, (line) => process.stdout.write(`agent: ${line}\n`));
  await bootstrapNatsService(AgentModule.forConfig(config), { component: Component.agent, nats: config });
});
