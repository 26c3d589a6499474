import { ConfigType, commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

/** Every key the deploy service reads, with its environment variable and default. */
export const deployConfigSchema = {
  ...commonConfigFields,
  redisUrl: {
    type: ConfigType.url,
    env: 'MSEC_REDIS_URL',
    default: 'redis://127.0.0.1:6379',
    values: ['redis:'],
    description: 'Redis for BullMQ jobs',
  },
  packageMaxBytes: {
    type: ConfigType.integer,
    env: 'MSEC_PACKAGE_MAX_BYTES',
    default: 64 * 1024 * 1024,
    min: 1024,
    max: 1024 * 1024 * 1024,
    description: 'largest package tarball accepted (packages live in the JetStream Object Store, streamed in chunks)',
  },
  natsAccountSeed: {
    type: ConfigType.string,
    env: 'MSEC_NATS_ACCOUNT_SEED',
    default: '',
    description:
      'seed of the NATS MSEC account (<home>/secrets/nats/account-msec.nk): deploy mints each business service its .creds; empty sends none',
  },
} as const;

/** The deploy service's validated, frozen configuration. */
export type DeployConfig = ConfigOf<typeof deployConfigSchema>;

/** Injection token of DeployConfig. */
export const DEPLOY_CONFIG = Symbol('DEPLOY_CONFIG');

/** Reads the configuration from the environment; stops start-up naming every bad key. */
export function loadDeployConfig(env: NodeJS.ProcessEnv = process.env): DeployConfig {
  return resolveConfig(deployConfigSchema, {}, env, 'deploy configuration');
}
