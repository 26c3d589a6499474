import { ConfigType, commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

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
