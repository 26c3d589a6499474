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
