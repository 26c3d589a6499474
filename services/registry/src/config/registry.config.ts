import { ConfigType, commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

/** Every key the registry reads, with its environment variable and default. */
export const registryConfigSchema = {
  ...commonConfigFields,
  zkConnect: { type: ConfigType.string, env: 'MSEC_ZK_CONNECT', default: '127.0.0.1:2181', description: 'ZooKeeper host:port list' },
} as const;

/** The registry's validated, frozen configuration. */
export type RegistryConfig = ConfigOf<typeof registryConfigSchema>;

/** Injection token of RegistryConfig. */
export const REGISTRY_CONFIG = Symbol('REGISTRY_CONFIG');

/** Reads the registry's configuration from the environment; stops start-up naming every bad key. */
export function loadRegistryConfig(env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  return resolveConfig(registryConfigSchema, {}, env, 'registry configuration');
}
