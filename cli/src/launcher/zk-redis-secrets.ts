import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZkIdentityName } from '@msec/contracts';
import { formatZkAuth, parseZkAuth, serviceIdentity } from '@msec/nlb';

/** The ZooKeeper identities and Redis password of one launcher home, generated on first start. */
export interface ZkRedisSecrets {
  /** `msec-registry:<password>`: only the registry gets it. */
  zkRegistry: string;
  /** `msec-reader:<password>`: reads the service tree (deploy hands it to instances; `msec call` uses it). */
  zkReader: string;
  /** What `svc-<Service>` passwords derive from: the registry (to write ACLs) and deploy (to start instances). */
  zkServiceSecret: string;
  /** requirepass of the launcher's Redis. */
  redisPassword: string;
}

/** Where they live: `<home>/secrets/zookeeper/*` and `<home>/secrets/redis.password`, folders 0700 and files 0600. */
export function zkRedisSecretFiles(homeRoot: string): Record<keyof ZkRedisSecrets, string> {
  const secrets = join(homeRoot, 'secrets');
  return {
    zkRegistry: join(secrets, 'zookeeper', 'registry.auth'),
    zkReader: join(secrets, 'zookeeper', 'reader.auth'),
    zkServiceSecret: join(secrets, 'zookeeper', 'service.secret'),
    redisPassword: join(secrets, 'redis.password'),
  };
}

const token = (): string => randomBytes(24).toString('base64url');

/** Reads one secret file, writing `fresh()` to it (0600) the first time. */
function secret(file: string, fresh: () => string): string {
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return readFileSync(file, 'utf8').trim();
  }
  const value = fresh();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

/** Loads the secrets, generating whichever is missing; the same values on every later start. */
export function loadZkRedisSecrets(homeRoot: string): ZkRedisSecrets {
  const files = zkRedisSecretFiles(homeRoot);
  for (const dir of [join(homeRoot, 'secrets'), join(homeRoot, 'secrets', 'zookeeper')]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  return {
    zkRegistry: secret(files.zkRegistry, () => `${ZkIdentityName.registry}:${token()}`),
    zkReader: secret(files.zkReader, () => `${ZkIdentityName.reader}:${token()}`),
    zkServiceSecret: secret(files.zkServiceSecret, () => randomBytes(32).toString('base64url')),
    redisPassword: secret(files.redisPassword, token),
  };
}

/** A server URL fit to show and to store in the state file: any password in it is dropped. */
export function withoutPassword(serverUrl: string): string {
  if (!serverUrl.includes('@')) return serverUrl;
  const url = new URL(serverUrl);
  url.password = '';
  url.username = '';
  return url.toString().replace(/\/$/, '');
}

/** One secret of a home, for commands that use the running stack; undefined before the first `msec up`. */
function readSecret(homeRoot: string, which: keyof ZkRedisSecrets): string | undefined {
  const file = zkRedisSecretFiles(homeRoot)[which];
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

/** The reader identity of a home (`msec call` reads routes with it). */
export function readZkReader(homeRoot: string): string | undefined {
  return readSecret(homeRoot, 'zkReader');
}

/** The password of the home's launched Redis (`msec status` pings it). */
export function readRedisPassword(homeRoot: string): string | undefined {
  return readSecret(homeRoot, 'redisPassword');
}

/**
 * The MSEC_ZK_AUTH value of a business service run outside an agent: its own `svc-<Service>` identity and the
 * reader, as deploy gives an instance it starts; undefined before the first `msec up`.
 */
export function serviceZkAuth(homeRoot: string, service: string): string | undefined {
  const secret = readSecret(homeRoot, 'zkServiceSecret');
  const reader = readSecret(homeRoot, 'zkReader');
  if (secret === undefined || reader === undefined) return undefined;
  return formatZkAuth([serviceIdentity(secret, service), ...parseZkAuth(reader, 'zkReaderAuth')]);
}
