import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { COMPONENTS_IN_START_ORDER, Component, NatsRole, isIdentityToken } from '@msec/contracts';
import { NatsAuthority } from '@msec/contracts/nats-authority';
import { badArgs } from '../api/api.errors.js';
import type { ParsedArgs } from '../cli-args.js';
import { secretEnv } from '../launcher/component-catalog.js';
import { loadZkRedisSecrets } from '../launcher/zk-redis-secrets.js';
import { say } from '../output.js';
import { msecHome } from '../paths.js';

/** Usage of `msec secrets`. */
export const SECRETS_USAGE = `usage: ./msec secrets init DIR [--host-id ID] [--data-dir PATH] [--nats-url URL] [--zk-connect HOSTS]
                               [--redis-host HOST:PORT] [--db-host HOST:PORT]
  Every credential of a stack run from docker-compose.yml (or other external servers): NATS trust chain, auth.conf and
  one .creds per component, ZooKeeper identities, Redis and database passwords, and DIR/env/<component>.env for each
  component to source. Existing secrets in DIR are kept. Defaults are the compose service names.`;

/** Where the compose file's servers are, seen from its containers. */
const COMPOSE_DEFAULTS = {
  'nats-url': 'nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222',
  'zk-connect': 'zookeeper:2181',
  'redis-host': 'redis:6379',
  'db-host': 'mysql:3306',
  'data-dir': '/data',
  'host-id': 'agent-1',
} as const;

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

function option(args: ParsedArgs, name: keyof typeof COMPOSE_DEFAULTS): string {
  const value = args.flags[name];
  if (value === true) throw badArgs(name, 'needs a value', SECRETS_USAGE);
  return value ?? COMPOSE_DEFAULTS[name];
}

/** A secret file kept across runs (0600). */
function keptSecret(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = randomBytes(24).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return value;
}

/** `msec secrets init DIR`: see SECRETS_USAGE. */
export async function secretsCommand(args: ParsedArgs): Promise<number> {
  const [sub, dir] = args.positionals;
  if (sub !== 'init') throw badArgs('subcommand', `"${sub ?? ''}" is not a secrets subcommand (init)`, SECRETS_USAGE);
  if (!dir) throw badArgs('DIR', 'is missing: where to write the secrets, e.g. /secrets', SECRETS_USAGE);
  const hostId = option(args, 'host-id');
  if (!isIdentityToken(hostId)) throw badArgs('host-id', "must be letters, digits, '-' or '_'", SECRETS_USAGE);
  const dataDir = option(args, 'data-dir');
  const home = msecHome(resolve(dir));
  mkdirSync(home.secrets, { recursive: true, mode: 0o700 });
  const nats = await NatsAuthority.open(home.natsSecrets);
  const secrets = loadZkRedisSecrets(home.root);
  const dbPassword = keptSecret(join(home.secrets, 'db.password'));
  const infra = {
    natsUrl: option(args, 'nats-url'),
    zkConnect: option(args, 'zk-connect'),
    redisUrl: `redis://${option(args, 'redis-host')}`,
    redisPassword: secrets.redisPassword,
    redisTlsCa: '',
    dbUrl: `mysql://msec:${encodeURIComponent(dbPassword)}@${option(args, 'db-host')}/msec`,
  };
  const envDir = join(home.root, 'env');
  mkdirSync(envDir, { recursive: true, mode: 0o700 });
  await nats.ensureCredsFile(NatsRole.admin);
  for (const name of COMPONENTS_IN_START_ORDER) {
    const env: NodeJS.ProcessEnv = {
      MSEC_NATS_URL: infra.natsUrl,
      MSEC_ZK_CONNECT: infra.zkConnect,
      MSEC_REDIS_URL: infra.redisUrl,
      MSEC_DB_URL: infra.dbUrl,
      MSEC_DATA_DIR: dataDir,
      ...secretEnv(name, home, infra, secrets),
      MSEC_NATS_CREDS: name === Component.agent ? await nats.ensureCredsFile(NatsRole.agent, hostId) : await nats.ensureCredsFile(name),
    };
    if (name === Component.deploy) env.MSEC_NATS_ACCOUNT_SEED = nats.accountSeedFile;
    if (name === Component.agent) {
      env.MSEC_HOST_ID = hostId;
      env.MSEC_AGENT_DIR = join(dataDir, 'agent');
      env.MSEC_CONSOLE_KEY = join(dataDir, 'keys', 'console.pub');
    }
    const lines = Object.entries(env)
      .filter(([, value]) => value !== undefined && value !== '')
      .map(([key, value]) => `export ${key}=${shellQuote(value!)}`);
    const file = join(envDir, `${name}.env`);
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  say(`wrote the stack's secrets under ${home.secrets} and one environment file per component under ${envDir} (all 0600)`);
  say(
    `nats-server: -c ${nats.serverConfigFile}; Redis: requirepass from ${join(home.secrets, 'redis.password')}; database password: ${join(home.secrets, 'db.password')}`,
  );
  return 0;
}
