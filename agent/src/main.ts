import { Component } from '@msec/contracts';
import { connectNats, runMain } from '@msec/platform/standalone';
import { AgentRuntime } from './agent.runtime.js';
import { agentConfigSchema, loadAgentConfig } from './config/agent.config.js';
import { waitForConsoleKey } from './config/console-key-wait.js';
import { applyEnrolment } from './enrolment/enrolment.js';
import { serveHealth } from './health/health-responder.js';

// The agent runs on every host: a plain composition root, without NestJS or a database, keeps it small.
runMain(Component.agent, async () => {
  const enrolledAs = await applyEnrolment(process.env, agentConfigSchema.stateDir.default);
  if (enrolledAs) process.stdout.write(`agent: enrolled as host ${enrolledAs}; later starts need only MSEC_AGENT_DIR (or --dir)\n`);
  const config = loadAgentConfig();
  await waitForConsoleKey(config.consoleKeyFile, (line) => process.stdout.write(`agent: ${line}\n`));
  const nc = await connectNats(config, `msec-agent-${config.hostId}`);
  const runtime = new AgentRuntime(nc, config);
  const health = serveHealth(nc, config);
  runtime.start();
  process.stdout.write(`agent: listening on NATS ${config.natsUrl} as host ${config.hostId} (pid ${process.pid})\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    health.unsubscribe();
    void runtime
      .close()
      .then(() => nc.drain())
      .catch((error: unknown) => process.stderr.write(`agent: stopping: ${String(error)}\n`))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
