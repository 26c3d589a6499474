import { existsSync, readFileSync } from 'node:fs';
import { ConfigType, type ConfigField } from './config-schema.js';

/** The `redisPassword` key (MSEC_REDIS_PASSWORD) of every service that uses Redis. */
export const redisPasswordField = {
  type: ConfigType.string,
  env: 'MSEC_REDIS_PASSWORD',
  default: '',
  description: "Redis password (requirepass); empty: the one in redisUrl's user-info, if any",
} as const satisfies ConfigField;

/**
 * The URL Redis clients (ioredis, BullMQ, the health check) connect with: `redisUrl` carrying `password` when one
 * is given; a URL with `:password@` of its own is used as it is otherwise.
 */
export function redisConnectionUrl(redisUrl: string, password: string): string {
  if (password === '') return redisUrl;
  const url = new URL(redisUrl);
  url.password = encodeURIComponent(password);
  return url.toString().replace(/\/$/, '');
}

/** The `redisTlsCa` key (MSEC_REDIS_TLS_CA) of every service that uses Redis. */
export const redisTlsCaField = {
  type: ConfigType.string,
  env: 'MSEC_REDIS_TLS_CA',
  default: '',
  check: (file: string) =>
    existsSync(file) ? undefined : `no file ${file}; give the PEM file of the CA that signed the Redis certificate`,
  description: 'CA certificate (PEM) that verifies a TLS Redis (a rediss:// redisUrl); empty: the system CAs',
} as const satisfies ConfigField;

/** What ioredis and BullMQ are given to reach a Redis: address, credentials and TLS, from one place. */
export interface RedisClientOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  /** Present for `rediss://`: TLS verified with the configured CA (or the system CAs). */
  tls?: { ca?: Buffer; servername?: string };
}

/** Options for a Redis client from `redisUrl` (redis:// or rediss://, `:password@` included) and `redisTlsCa`. */
export function redisClientOptions(config: { redisUrl: string; redisTlsCa: string }): RedisClientOptions {
  const url = new URL(config.redisUrl);
  const options: RedisClientOptions = { host: url.hostname, port: Number(url.port || 6379) };
  if (url.username !== '') options.username = decodeURIComponent(url.username);
  if (url.password !== '') options.password = decodeURIComponent(url.password);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '') options.db = Number(db);
  if (url.protocol === 'rediss:') options.tls = config.redisTlsCa === '' ? {} : { ca: readFileSync(config.redisTlsCa) };
  return options;
}
