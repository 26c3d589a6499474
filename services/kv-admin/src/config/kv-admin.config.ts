import {
  ConfigType,
  commonConfigFields,
  redisConnectionUrl,
  redisPasswordField,
  redisTlsCaField,
  resolveConfig,
  type ConfigOf,
} from '@msec/platform';

/** Every key the kv-admin service reads, with its environment variable and default. */
export const kvAdminConfigSchema = {
  ...commonConfigFields,
  redisUrl: {
    type: ConfigType.url,
    env: 'MSEC_REDIS_URL',
    default: 'redis://127.0.0.1:6379',
    values: ['redis:', 'rediss:'],
    description: 'Redis for BullMQ jobs (rediss:// for TLS)',
  },
  redisPassword: redisPasswordField,
  redisTlsCa: redisTlsCaField,
  secretKeyFile: {
    type: ConfigType.string,
    env: 'MSEC_KV_SECRET_KEY_FILE',
    default: '',
    description:
      'file of the key that seals cluster passwords in the database (created 0600 on first start); empty: <dataDir>/secrets/kv-admin.key',
  },
  jobLockMs: {
    type: ConfigType.integer,
    env: 'MSEC_KV_JOB_LOCK_MS',
    default: 10_000,
    min: 2000,
    max: 600_000,
    description: "BullMQ job lock; a dead kv-admin's operation is resumed about this long after it died",
  },
  waitTimeoutMs: {
    type: ConfigType.integer,
    env: 'MSEC_KV_WAIT_TIMEOUT_MS',
    default: 60_000,
    min: 1000,
    max: 3_600_000,
    description: 'how long an operation waits for the cluster to converge after each step',
  },
  sampleSeconds: {
    type: ConfigType.integer,
    env: 'MSEC_KV_SAMPLE_SECONDS',
    default: 10,
    min: 0,
    max: 3600,
    description: 'seconds between INFO samples of every node; 0 turns sampling off',
  },
} as const;

/** The kv-admin service's validated, frozen configuration. */
export type KvAdminConfig = ConfigOf<typeof kvAdminConfigSchema>;

/** Injection token of KvAdminConfig. */
export const KVADMIN_CONFIG = Symbol('KVADMIN_CONFIG');

/** Reads the configuration from the environment; stops start-up naming every bad key. */
export function loadKvAdminConfig(env: NodeJS.ProcessEnv = process.env): KvAdminConfig {
  const config = resolveConfig(kvAdminConfigSchema, {}, env, 'kv-admin configuration');
  // Every Redis client connects with this URL, so the password reaches BullMQ, ioredis and the health check alike.
  return Object.freeze({ ...config, redisUrl: redisConnectionUrl(config.redisUrl, config.redisPassword) });
}
