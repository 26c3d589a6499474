import { hostname } from 'node:os';
import { ConfigType, resolveConfig, type ConfigOf } from '@msec/platform';

/** Every key the agent reads; `./msec agent --nats URL --host-id ID --console-key FILE` maps flags onto these. */
export const agentConfigSchema = {
  natsUrl: { type: ConfigType.url, env: 'MSEC_NATS_URL', default: 'nats://127.0.0.1:4222', values: ['nats:'], description: 'NATS server(s)' },
  hostId: { type: ConfigType.string, env: 'MSEC_HOST_ID', default: hostname(), description: 'this host’s id in the console' },
  consoleKeyFile: { type: ConfigType.string, env: 'MSEC_CONSOLE_KEY', default: '.msec/keys/console.pub', description: 'the console’s Ed25519 public key (PEM)' },
  stateDir: { type: ConfigType.string, env: 'MSEC_AGENT_DIR', default: '.msec/agent', description: 'instances, packages, logs and the nonce journal' },
} as const;

/** The agent's validated, frozen configuration. */
export type AgentConfig = ConfigOf<typeof agentConfigSchema>;

/** Injection token of AgentConfig. */
export const AGENT_CONFIG = Symbol('AGENT_CONFIG');

/** Reads the agent's configuration; stops start-up naming every bad key. */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  return resolveConfig(agentConfigSchema, {}, env, 'agent configuration');
}
