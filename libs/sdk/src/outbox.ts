// Tables a service adds to its DataSource for the transactional outbox and idempotent consumers, and the Redis
// de-duplication guard. Apart from `@msec/sdk` so that a service using none of them never loads TypeORM.
export { OutboxEntity, ProcessedMessageEntity, IdempotencyGuard, pruneProcessedMessages } from '@msec/bus';
export type { IdempotencyOptions, OnceResult, OutboxRow } from '@msec/bus';
