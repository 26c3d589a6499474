/**
 * The part of the platform a process without NestJS or a database needs (the host agent): configuration, the NATS
 * connection, health reports and start-up. Importing it loads neither NestJS nor TypeORM, which `@msec/platform` does.
 */
export { resolveConfig, ConfigType } from './config-schema.js';
export type { ConfigOf, ConfigSchema } from './config-schema.js';
export { natsConfigFields } from './nats-config.js';
export { connectNats, natsCheck, natsConnectionOptions } from './nats-connection.js';
export type { NatsEndpoint } from './nats-connection.js';
export { HealthReporter } from './health.service.js';
export type { DependencyCheck } from './health.service.js';
export { describeFatalError, runMain } from './run-main.js';
