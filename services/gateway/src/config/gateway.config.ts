import { isIP } from 'node:net';
import { ConfigType, commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** What is wrong with a trustProxy list, or undefined: each entry an address, address/prefix, or a named range. */
function checkTrustProxy(value: string): string | undefined {
  for (const entry of value.split(',').map((e) => e.trim())) {
    const [address = '', prefix] = entry.split('/');
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (isIP(address) === 6 ? 128 : 32));
    if (!PROXY_NAMES.has(entry) && !(isIP(address) !== 0 && prefixOk))
      return `"${entry}" is not an address, address/prefix, loopback, linklocal or uniquelocal`;
  }
  return undefined;
}

/** Every key the gateway reads, with its environment variable and default. */
export const gatewayConfigSchema = {
  ...commonConfigFields,
  httpHost: {
    type: ConfigType.string,
    env: 'MSEC_HTTP_HOST',
    default: '127.0.0.1',
    description: 'address the console and REST API listen on',
  },
  httpPort: { type: ConfigType.port, env: 'MSEC_HTTP_PORT', default: 8080, description: 'port of the console and REST API' },
  trustProxy: {
    type: ConfigType.string,
    env: 'MSEC_TRUST_PROXY',
    default: '',
    check: checkTrustProxy,
    description:
      'reverse proxies whose X-Forwarded-For is believed (comma-separated addresses, address/prefix, or loopback); empty: none, the client address is the socket peer',
  },
  auditRetentionDays: {
    type: ConfigType.integer,
    env: 'MSEC_AUDIT_RETENTION_DAYS',
    default: 365,
    min: 1,
    max: 36500,
    description: 'audit entries older than this many days are deleted (checked at start and every hour)',
  },
  auditMaxEntries: {
    type: ConfigType.integer,
    env: 'MSEC_AUDIT_MAX_ENTRIES',
    default: 1_000_000,
    min: 1,
    max: 1_000_000_000,
    description: 'the audit log keeps at most this many entries; the oldest beyond it are deleted',
  },
  webhookAllowInternal: {
    type: ConfigType.boolean,
    env: 'MSEC_GATEWAY_WEBHOOK_ALLOW_INTERNAL',
    default: false,
    description: 'let event webhooks reach loopback, link-local and metadata addresses (tests, a receiver on the same host)',
  },
  webhookTimeoutMs: {
    type: ConfigType.integer,
    env: 'MSEC_GATEWAY_WEBHOOK_TIMEOUT_MS',
    default: 10_000,
    min: 100,
    max: 120_000,
    description: 'how long one webhook POST may take before it counts as a failed attempt',
  },
  webDir: {
    type: ConfigType.string,
    env: 'MSEC_WEB_DIR',
    default: '',
    description: 'folder of the built console; empty for services/gateway/web/dist',
  },
} as const;

/** The gateway's validated, frozen configuration. */
export type GatewayConfig = ConfigOf<typeof gatewayConfigSchema>;

/** Injection token of GatewayConfig. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** Reads the gateway's configuration; stops start-up naming every bad key. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return resolveConfig(gatewayConfigSchema, {}, env, 'gateway configuration');
}
