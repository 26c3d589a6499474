import { hostname, networkInterfaces } from 'node:os';
import { ConfigType, natsConfigFields, resolveConfig, type ConfigOf } from '@msec/platform/standalone';

/** Every key the agent reads; `./msec agent --nats URL --host-id ID --console-key FILE` maps flags onto these. */
export const agentConfigSchema = {
  ...natsConfigFields,
  hostId: { type: ConfigType.string, env: 'MSEC_HOST_ID', default: hostname(), description: 'this host’s id in the console' },
  consoleKeyFile: {
    type: ConfigType.string,
    env: 'MSEC_CONSOLE_KEY',
    default: '.msec/keys/console.pub',
    description: 'the console’s Ed25519 public key (PEM)',
  },
  stateDir: {
    type: ConfigType.string,
    env: 'MSEC_AGENT_DIR',
    default: '.msec/agent',
    description: 'instances, packages, logs and the nonce journal',
  },
  hostIp: {
    type: ConfigType.string,
    env: 'MSEC_HOST_IP',
    default: '',
    description:
      'address this host’s instances listen on and the console routes to; empty: the first non-loopback IPv4 address of this machine (127.0.0.1 when it has none)',
  },
  zkConnect: {
    type: ConfigType.string,
    env: 'MSEC_ZK_CONNECT',
    default: '127.0.0.1:2181',
    description: 'ZooKeeper handed to business instances',
  },
  runtimeModules: {
    type: ConfigType.string,
    env: 'MSEC_AGENT_RUNTIME_MODULES',
    default: '',
    description: 'node_modules holding @msec/sdk that packages without their own node_modules are linked to; empty: the agent’s own',
  },
  heartbeatMs: {
    type: ConfigType.integer,
    env: 'MSEC_AGENT_HEARTBEAT_MS',
    default: 3000,
    min: 200,
    max: 60000,
    description: 'heartbeat interval; the console marks a host down after 3 missed',
  },
  auditMaxBytes: {
    type: ConfigType.integer,
    env: 'MSEC_AGENT_AUDIT_MAX_BYTES',
    default: 50 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    description: 'size at which <stateDir>/audit.jsonl is rotated to audit.1.jsonl',
  },
  auditKeepFiles: {
    type: ConfigType.integer,
    env: 'MSEC_AGENT_AUDIT_KEEP_FILES',
    default: 5,
    min: 0,
    max: 100,
    description: 'rotated audit files kept (audit.1.jsonl … audit.<n>.jsonl); the journal holds at most (n + 1) × auditMaxBytes',
  },
  auditRetentionDays: {
    type: ConfigType.integer,
    env: 'MSEC_AGENT_AUDIT_RETENTION_DAYS',
    default: 180,
    min: 1,
    max: 36500,
    description: 'rotated audit files whose newest record is older than this are deleted',
  },
} as const;

/** The agent's validated, frozen configuration. */
export type AgentConfig = ConfigOf<typeof agentConfigSchema>;

/** Reads the agent's configuration; stops start-up naming every bad key. */
export function loadAgentConfig(env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const config = resolveConfig(agentConfigSchema, {}, env, 'agent configuration');
  return { ...config, hostIp: config.hostIp || reachableAddress(networkInterfaces()) };
}

/**
 * The address other hosts reach this one at, when none is configured: the first IPv4 address that is not loopback
 * (a container's or a VM's own), else loopback (a machine without a network).
 */
export function reachableAddress(interfaces: ReturnType<typeof networkInterfaces>): string {
  for (const name of Object.keys(interfaces).sort()) {
    const found = interfaces[name]?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}
