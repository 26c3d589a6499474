import { parseZkAuth } from '@msec/nlb';
import { MsecError } from '@msec/contracts';
import {
  ConfigType,
  commonConfigFields,
  redisConnectionUrl,
  redisPasswordField,
  redisTlsCaField,
  resolveConfig,
  type ConfigOf,
} from '@msec/platform';

/** Every key the deploy service reads, with its environment variable and default. */
export const deployConfigSchema = {
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
  zkReaderAuth: {
    type: ConfigType.string,
    env: 'MSEC_ZK_READER_AUTH',
    default: '',
    check: (value: string) => {
      try {
        return parseZkAuth(value, 'zkReaderAuth').length === 1 ? undefined : 'give exactly one identity, msec-reader:password';
      } catch (error) {
        return (error as Error).message.replace(/^zkReaderAuth: /, '');
      }
    },
    description: 'ZooKeeper read identity (msec-reader:password) handed to every instance deploy starts',
  },
  zkServiceSecret: {
    type: ConfigType.string,
    env: 'MSEC_ZK_SERVICE_SECRET',
    default: '',
    description: "the registry's secret the svc-<Service> identities derive from; each instance gets its own in MSEC_ZK_AUTH",
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
  agentNatsUrl: {
    type: ConfigType.string,
    env: 'MSEC_AGENT_NATS_URL',
    default: '',
    description: 'NATS address handed to hosts that enrol with a token (as other hosts reach it); empty hands out natsUrl',
  },
} as const;

/** The deploy service's validated, frozen configuration. */
export type DeployConfig = ConfigOf<typeof deployConfigSchema>;

/** Injection token of DeployConfig. */
export const DEPLOY_CONFIG = Symbol('DEPLOY_CONFIG');

/** Reads the configuration from the environment; stops start-up naming every bad key. */
export function loadDeployConfig(env: NodeJS.ProcessEnv = process.env): DeployConfig {
  const config = resolveConfig(deployConfigSchema, {}, env, 'deploy configuration');
  if ((config.zkReaderAuth === '') !== (config.zkServiceSecret === ''))
    throw new MsecError(
      'CONFIG_INVALID',
      "invalid deploy configuration:\n  - zkReaderAuth (MSEC_ZK_READER_AUTH) and zkServiceSecret (MSEC_ZK_SERVICE_SECRET): give both (the registry's values) or neither",
      { status: 400, data: { fields: ['zkReaderAuth', 'zkServiceSecret'] } },
    );
  // Every Redis client connects with this URL, so the password reaches BullMQ, ioredis and the health check alike.
  return Object.freeze({ ...config, redisUrl: redisConnectionUrl(config.redisUrl, config.redisPassword) });
}
