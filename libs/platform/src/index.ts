/** Typed, validated, frozen configuration with env overrides. */
export { resolveConfig, ConfigType } from './config-schema.js';
export type { ConfigSchema, ConfigField, ConfigOf } from './config-schema.js';
/** Config keys every service shares, and its database target. */
export { commonConfigFields, natsConfigFields, databaseTargetFor } from './common-config.js';
/** Request/reply with a NestJS NATS microservice, errors rebuilt as MsecError. */
export { natsRequest } from './nats-request.js';
/** NATS connection for a service's own use, and its health check. */
export { NATS_CONNECTION, connectNats, natsCheck, natsConnectionOptions } from './nats-connection.js';
export type { NatsEndpoint } from './nats-connection.js';
/** Readiness reports built from dependency checks. */
export { HealthReporter } from './health.service.js';
export { healthReporterProvider } from './health.provider.js';
export type { DependencyCheck } from './health.service.js';
/** Exception filter sending errors over NATS in the platform's wire shape. */
export { MsecRpcErrorFilter } from './rpc-error.filter.js';
/** Providers for a service's NATS connection and database. */
export { coreProviders } from './core-providers.js';
/** Starting a platform service on NATS (and HTTP for the gateway). */
export { bootstrapNatsService, bootstrapHttpService } from './bootstrap.js';
export type { BootstrapOptions } from './bootstrap.js';
/** Process entry wrapper that reports start-up failures clearly. */
export { describeFatalError, runMain } from './run-main.js';
/** Health check for Redis. */
export { redisCheck } from './redis-check.js';
/** The Redis password key and the URL clients connect with. */
export { redisPasswordField, redisTlsCaField, redisConnectionUrl, redisClientOptions } from './redis-url.js';
export type { RedisClientOptions } from './redis-url.js';
/** Where a webhook URL leads: refusing loopback, link-local and metadata addresses unless an admin allows them. */
export { isInternalAddress, internalAddressOf, webhookTargetOf } from './webhook-target.js';
export type { WebhookTarget } from './webhook-target.js';
