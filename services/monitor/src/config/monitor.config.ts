import { MsecError } from '@msec/contracts';
import { ConfigType, commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

/** Every key the monitor service reads, with its environment variable and default. */
export const monitorConfigSchema = {
  ...commonConfigFields,
  retentionDays: {
    type: ConfigType.integer,
    env: 'MSEC_MONITOR_RETENTION_DAYS',
    default: 8,
    min: 2,
    max: 62,
    description: 'days of per-minute series kept in memory (8 keeps "a week ago")',
  },
  snapshotIntervalMs: {
    type: ConfigType.integer,
    env: 'MSEC_MONITOR_SNAPSHOT_MS',
    default: 30_000,
    min: 200,
    max: 3_600_000,
    description: 'how often series are written to <dataDir>/monitor/',
  },
  shardIndex: {
    type: ConfigType.integer,
    env: 'MSEC_MONITOR_SHARD',
    default: 0,
    min: 0,
    max: 15,
    description: "this instance's shard, 0 … shards-1",
  },
  shards: {
    type: ConfigType.integer,
    env: 'MSEC_MONITOR_SHARDS',
    default: 1,
    min: 1,
    max: 16,
    description: 'how many monitor instances share the telemetry (by service-name hash)',
  },
  alarmIntervalMs: {
    type: ConfigType.integer,
    env: 'MSEC_MONITOR_ALARM_INTERVAL_MS',
    default: 60_000,
    min: 0,
    max: 3_600_000,
    description: 'how often alarm rules are judged; 0 turns the timer off',
  },
  alarmGraceMs: {
    type: ConfigType.integer,
    env: 'MSEC_MONITOR_ALARM_GRACE_MS',
    default: 15_000,
    min: 0,
    max: 300_000,
    description: 'how long after a minute ends its reports are waited for before judging it',
  },
  webhookTimeoutMs: {
    type: ConfigType.integer,
    env: 'MSEC_MONITOR_WEBHOOK_TIMEOUT_MS',
    default: 3000,
    min: 100,
    max: 60_000,
    description: 'time limit of one alarm webhook POST',
  },
  webhookAllowInternal: {
    type: ConfigType.boolean,
    env: 'MSEC_MONITOR_WEBHOOK_ALLOW_INTERNAL',
    default: false,
    description: 'let alarm webhooks reach loopback and link-local addresses (the metadata service among them); off by default',
  },
} as const;

/** The monitor service's validated, frozen configuration. */
export type MonitorConfig = ConfigOf<typeof monitorConfigSchema>;

/** Injection token of MonitorConfig. */
export const MONITOR_CONFIG = Symbol('MONITOR_CONFIG');

/** Reads the configuration from the environment; stops start-up naming every bad key. */
export function loadMonitorConfig(env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  const config = resolveConfig(monitorConfigSchema, {}, env, 'monitor configuration');
  if (config.shardIndex >= config.shards) {
    const problem = `shardIndex (from MSEC_MONITOR_SHARD): ${config.shardIndex} must be below shards (MSEC_MONITOR_SHARDS=${config.shards})`;
    throw new MsecError('CONFIG_INVALID', `invalid monitor configuration:\n  - ${problem}`, {
      status: 400,
      data: { problems: [problem], fields: ['shardIndex'] },
    });
  }
  return config;
}
