import { Component } from '@msec/contracts';
import { bootstrapNatsService, runMain } from '@msec/platform';
import { agentConfigSchema, loadAgentConfig } from './config/agent.config.js';
import { applyEnrolment } from './enrolment/enrolment.js';
import { waitForConsoleKey } from './config/console-key-wait.js';
import { AgentModule } from './agent.module.js';

runMain(Component.agent, async () => {
  const enrolledAs = await applyEnrolment(process.env, agentConfigSchema.stateDir.default);
  if (enrolledAs) process.stdout.write(`agent: enrolled as host ${enrolledAs}; later starts need only MSEC_AGENT_DIR (or --dir)\n`);
  const config = loadAgentConfig();
  await waitForConsoleKey(config.consoleKeyFile, (line) => process.stdout.write(`agent: ${line}\n`));
  await bootstrapNatsService(AgentModule.forConfig(config), { component: Component.agent, nats: config });
});
