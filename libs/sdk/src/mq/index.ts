/** `sdk.mq`: publish, subscribe (group or broadcast), outbox and idempotent consumers on one lazy NATS connection. */
export { Mq, MqOutbox, mq } from './mq.js';
export type { MqOptions, MqSubscribeOptions } from './mq.js';
export { idempotent, idempotentInTransaction } from './idempotent.js';
export type { ScopeOf, TransactionalHandler } from './idempotent.js';
export { MqErrorCode, mqNotConfigured, mqConnectFailed } from './mq.errors.js';
