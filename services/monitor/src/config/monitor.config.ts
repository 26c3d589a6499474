import { commonConfigFields, resolveConfig, type ConfigOf } from '@msec/platform';

/** Every key the monitor service reads, with its environment variable and default. */
export const monitorConfigSchema = {
  ...commonConfigFields,
} as const;

/** The monitor service's validated, frozen configuration. */
export type MonitorConfig = ConfigOf<typeof monitorConfigSchema>;

/** Injection token of MonitorConfig. */
export const MONITOR_CONFIG = Symbol('MONITOR_CONFIG');

/** Reads the configuration from the environment; stops start-up naming every bad key. */
export function loadMonitorConfig(env: NodeJS.ProcessEnv = process.env): MonitorConfig {
  return resolveConfig(monitorConfigSchema, {}, env, 'monitor configuration');
}
