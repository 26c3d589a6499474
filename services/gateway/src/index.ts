/** The gateway module and its configuration. */
export { GatewayModule, GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from './gateway.module.js';
export { loadGatewayConfig, gatewayConfigSchema, GATEWAY_CONFIG } from './config/gateway.config.js';
export type { GatewayConfig } from './config/gateway.config.js';
/** HTTP set-up shared by main.ts and tests: errors, validation, request ids, audit, OpenAPI, the console. */
export { configureGateway, buildOpenApi, API_DOCS } from './http/configure-gateway.js';
/** Building blocks of a REST controller: roles, validated parameters, pagination, forwarding over NATS. */
export { Access, Public, Role, ROLES, roleAtLeast } from './auth/access.js';
export type { AccessRule } from './auth/access.js';
export { JsonBody, QueryParams, PathParam } from './http/api-params.js';
export { s, Schema } from './http/schema.js';
export type { Infer, JsonSchema } from './http/schema.js';
export { pageQueryShape, pageOf, encodeCursor, decodeCursor, PAGE_SIZE } from './http/pagination.js';
export type { Page } from './http/pagination.js';
export { NatsForwarder, DEFAULT_DEADLINE_MS } from './http/nats-forwarder.js';
export type { GatewayRequest, Principal } from './http/request-context.js';
export type { ApiErrorBody } from './http/http-error.filter.js';
/** The gateway's error codes. */
export { GatewayErrorCode } from './gateway.errors.js';
/** NATS subjects the gateway uses that are not yet in @msec/contracts. */
export { GatewaySubjects } from './gateway.subjects.js';
