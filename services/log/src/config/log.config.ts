import { commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

/** Every key the log service reads, with its environment variable and default. */
export const logConfigSchema = {
  ...commonConfigFields,
} as const;

/** The log service's validated, frozen configuration. */
export type LogConfig = ConfigOf<typeof logConfigSchema>;

/** Injection token of LogConfig. */
export const LOG_CONFIG = Symbol('LOG_CONFIG');

/** Reads the configuration from the environment; stops start-up naming every bad key. */
export function loadLogConfig(env: NodeJS.ProcessEnv = process.env): LogConfig {
  return resolveConfig(logConfigSchema, {}, env, 'log configuration');
}
