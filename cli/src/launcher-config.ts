import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { MsecError } from '@msec/contracts';
import { natsCredsOptions } from '@msec/contracts/nats-creds';
import { ConfigType, resolveConfig, type ConfigOf } from '@msec/platform';
import { REPO_ROOT } from './paths.js';

/**
 * What `msec.config.json` (or the matching environment variables) may say. An external server URL
 * means "use it, do not launch one"; an empty value means the launcher starts its own on loopback.
 */
export const launcherConfigSchema = {
  natsUrl: {
    type: ConfigType.url,
    env: 'MSEC_NATS_URL',
    default: '',
    values: ['nats:'],
    description: 'external NATS (JetStream enabled); empty: launch nats-server',
  },
  natsAuth: {
    type: ConfigType.boolean,
    env: 'MSEC_NATS_AUTH',
    default: true,
    description:
      'the launched nats-server requires credentials: every component gets its own identity and permissions (<home>/secrets/nats/)',
  },
  natsCreds: {
    type: ConfigType.string,
    env: 'MSEC_NATS_CREDS',
    default: '',
    description: 'with an external natsUrl: the admin .creds file the launcher and the CLI connect with',
  },
  zkConnect: {
    type: ConfigType.string,
    env: 'MSEC_ZK_CONNECT',
    default: '',
    description: 'external ZooKeeper host:port list; empty: launch ZooKeeper',
  },
  zkAuth: {
    type: ConfigType.string,
    env: 'MSEC_ZK_AUTH',
    default: '',
    description: 'ZooKeeper identity (user:password) `msec call` reads routes with; empty: the reader identity in <home>/secrets/zookeeper',
  },
  redisUrl: {
    type: ConfigType.url,
    env: 'MSEC_REDIS_URL',
    default: '',
    values: ['redis:', 'rediss:'],
    description: 'external Redis (rediss:// for TLS); empty: launch redis-server',
  },
  redisTlsCa: {
    type: ConfigType.string,
    env: 'MSEC_REDIS_TLS_CA',
    default: '',
    description: 'CA certificate (PEM) verifying the external Redis when redisUrl is rediss://; empty: the system CAs',
  },
  redisPassword: {
    type: ConfigType.string,
    env: 'MSEC_REDIS_PASSWORD',
    default: '',
    description: 'password of the external Redis (redisUrl); the launched one gets a generated password in <home>/secrets/redis.password',
  },
  dbUrl: {
    type: ConfigType.url,
    env: 'MSEC_DB_URL',
    default: '',
    values: ['mysql:', 'mariadb:'],
    description: 'MySQL/MariaDB for every service; empty: embedded SQLite per service',
  },
  httpHost: { type: ConfigType.string, env: 'MSEC_HTTP_HOST', default: '127.0.0.1', description: 'address of the console and REST API' },
  httpPort: {
    type: ConfigType.port,
    env: 'MSEC_HTTP_PORT',
    default: 8080,
    description: 'preferred console port (the next free one is used if taken)',
  },
  home: { type: ConfigType.string, env: 'MSEC_HOME', default: '.msec', description: 'folder for data, logs, pids and infra state' },
  binPath: {
    type: ConfigType.string,
    env: 'MSEC_BIN_PATH',
    default: '',
    description: 'colon-separated folders to find nats-server, redis-server, java in; empty: PATH and /usr/sbin',
  },
  autoInstall: {
    type: ConfigType.boolean,
    env: 'MSEC_AUTO_INSTALL',
    default: true,
    description: 'install missing Debian servers with apt-get when running as root',
  },
  flightInstances: {
    type: ConfigType.integer,
    env: 'MSEC_FLIGHT_INSTANCES',
    default: 1,
    min: 0,
    max: 16,
    description:
      '0 leaves the flight demo out; otherwise it is released to the local agent, one instance per module (a release runs one instance of a service per host)',
  },
} as const;

/** The launcher's validated, frozen configuration. */
export type LauncherConfig = ConfigOf<typeof launcherConfigSchema> & { readonly homeDir: string; readonly source: string };

/** Reads msec.config.json (or the file given) plus environment overrides; names every bad key. */
export function loadLauncherConfig(configPath: string | undefined, env: NodeJS.ProcessEnv = process.env): LauncherConfig {
  const path = configPath ?? join(REPO_ROOT, 'msec.config.json');
  let fileValues: Record<string, unknown> = {};
  if (existsSync(path)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new MsecError('CONFIG_INVALID', `invalid ${path}: not JSON (${error instanceof Error ? error.message : String(error)})`, {
        status: 400,
      });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new MsecError('CONFIG_INVALID', `invalid ${path}: expected a JSON object of settings`, { status: 400 });
    }
    fileValues = parsed as Record<string, unknown>;
  } else if (configPath !== undefined) {
    throw new MsecError('CONFIG_INVALID', `--config ${configPath}: no such file`, { status: 400, data: { field: 'config' } });
  }
  const config = resolveConfig(launcherConfigSchema, fileValues, env, existsSync(path) ? path : 'environment');
  const homeDir = isAbsolute(config.home) ? config.home : resolve(REPO_ROOT, config.home);
  // Checked now (exists, is a .creds file whose JWT parses) so a wrong path is named before anything starts.
  if (config.natsCreds) natsCredsOptions(config.natsCreds, 'natsCreds (MSEC_NATS_CREDS)');
  return Object.freeze({ ...config, homeDir, source: existsSync(path) ? path : 'defaults and environment' });
}
