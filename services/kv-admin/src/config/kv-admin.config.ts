import { ConfigType, commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

/** Every key the kv-admin service reads, with its environment variable and default. */
export const kvAdminConfigSchema = {
  ...commonConfigFields,
  redisUrl: { type: ConfigType.url, env: 'MSEC_REDIS_URL', default: 'redis://127.0.0.1:6379', values: ['redis:'], description: 'Redis for BullMQ jobs' },
} as const;

/** The kv-admin service's validated, frozen configuration. */
export type KvAdminConfig = ConfigOf<typeof kvAdminConfigSchema>;

/** Injection token of KvAdminConfig. */
export const KVADMIN_CONFIG = Symbol('KVADMIN_CONFIG');

/** Reads the configuration from the environment; stops start-up naming every bad key. */
export function loadKvAdminConfig(env: NodeJS.ProcessEnv = process.env): KvAdminConfig {
  return resolveConfig(kvAdminConfigSchema, {}, env, 'kv-admin configuration');
}
