import { ConfigType, commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

/** Every key the log service reads, with its environment variable and default. */
export const logConfigSchema = {
  ...commonConfigFields,
  retentionDays: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_RETENTION_DAYS',
    default: 7,
    min: 1,
    max: 3650,
    description: 'days of log lines and spans kept',
  },
  purgeIntervalMinutes: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_PURGE_INTERVAL_MINUTES',
    default: 1440,
    min: 1,
    max: 10080,
    description: 'how often old lines and spans are purged (daily by default)',
  },
  maxLines: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_MAX_LINES',
    default: 20_000_000,
    min: 10,
    max: 10_000_000_000,
    description: 'most log lines kept; past it the oldest DEBUG/INFO lines are dropped first, then the oldest of any level',
  },
  maxSpans: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_MAX_SPANS',
    default: 20_000_000,
    min: 10,
    max: 10_000_000_000,
    description: 'most spans kept; past it the oldest successful spans are dropped first, then the oldest of any status',
  },
  storeCheckSeconds: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_STORE_CHECK_SECONDS',
    default: 30,
    min: 1,
    max: 3600,
    description: 'how often the line and span limits are enforced',
  },
  ingestStreamMaxMb: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_INGEST_STREAM_MAX_MB',
    default: 1024,
    min: 1,
    max: 1_048_576,
    description:
      'most MiB the ingest stream holds while the log service is behind; past it the oldest messages are discarded (and counted)',
  },
  ingestBatchSize: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_INGEST_BATCH',
    default: 2000,
    min: 1,
    max: 20000,
    description: 'records per stored batch (one transaction; multi-row INSERTs of up to 2,048 rows each)',
  },
  ingestWriters: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_INGEST_WRITERS',
    // Each batch waits mostly on its commit, not on CPU: 8 transactions in flight measured 19.7k lines/s against 12.8k with 2.
    default: 8,
    min: 1,
    max: 9,
    description: 'batches written at once on MySQL/MariaDB (SQLite writes one at a time); at most 9, as the pool holds 10 connections',
  },
  ingestFlushMs: {
    type: ConfigType.integer,
    env: 'MSEC_LOG_INGEST_FLUSH_MS',
    default: 50,
    min: 1,
    max: 5000,
    description: 'longest wait before a partial batch is written',
  },
} as const;

/** The log service's validated, frozen configuration. */
export type LogConfig = ConfigOf<typeof logConfigSchema>;

/** Injection token of LogConfig. */
export const LOG_CONFIG = Symbol('LOG_CONFIG');

/** Reads the configuration from the environment; stops start-up naming every bad key. */
export function loadLogConfig(env: NodeJS.ProcessEnv = process.env): LogConfig {
  return resolveConfig(logConfigSchema, {}, env, 'log configuration');
}
