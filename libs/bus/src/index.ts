/** Stream, subject, header, Redis-key and consumer names of the bus (to move to @msec/contracts). */
export { BusStreams, BusSubjects, BusHeaders, BusRedisKeys, BusConsumers } from './bus-subjects.js';
/** Error codes and factories. */
export {
  BusErrorCode,
  invalidField,
  unknownSubject,
  messageTooLarge,
  publishFailed,
  publishRejected,
  deadLetterNotFound,
  unknownRetryPolicy,
  projectionFailed,
  appendConflict,
  messageInProgress,
  eventUpcastFailed,
  eventHandlerFailed,
} from './bus.errors.js';
/** Stream set-up and retention. */
export { ensureBusStreams, busStreamConfigs, DEFAULT_RETENTION, EVENT_FEED_MAX_AGE_MS } from './bus-streams.js';
export type { BusRetention } from './bus-streams.js';
/** Event sourcing: the typed envelope, the append-only store, projections with checkpoints. */
export { createEvent } from './event-envelope.js';
export type { DomainEvent, StoredEvent } from './event-envelope.js';
export { EventStore } from './event-store.js';
export type { AppendResult, AggregateEvents } from './event-store.js';
export { ProjectionRunner } from './projection-runner.js';
export { PerKeyQueue } from './per-key-queue.js';
export { EventDecisions } from './event-decisions.js';
export type { Decision } from './event-decisions.js';
export type { Projection, ProjectionRunnerOptions, EventMeta } from './projection-runner.js';
export { ProjectionCheckpointEntity } from './projection-checkpoint.entity.js';
export type { ProjectionCheckpoint } from './projection-checkpoint.entity.js';
/** Upcasting: events stored in an older version are lifted to the current one before anyone reads them. */
export { EventUpcasters, platformUpcasters } from './event-upcasters.js';
export type { Upcaster } from './event-upcasters.js';
/** Automation: at-least-once delivery of domain events through a durable consumer of the event feed. */
export { EventSubscriber, validateDurableName } from './event-subscriber.js';
export { EventFeedRelay } from './event-feed-relay.js';
export type { EventDelivery, EventHandler, EventSubscriberOptions } from './event-subscriber.js';
/** Messaging: publish, subscribe (group or broadcast), tags, retries, dead letters. */
export { MessageBus } from './message-bus.js';
export type { MessageBusOptions, PublishOptions, PublishResult } from './message-bus.js';
export { Subscription } from './subscription.js';
export { PullSubscription } from './pull-subscription.js';
export { cancelScheduled } from './delay-cancel.js';
export type { CancelledMessage, CancelOptions } from './delay-cancel.js';
export { OrderedSubscription, keyPartition } from './ordered-subscription.js';
export type { PullOptions, PulledMessage } from './pull-subscription.js';
export type { DeliveryContext, MessageHandler, SubscribeOptions } from './subscription.js';
export type { BusMessage } from './message-codec.js';
export { TagMode, tagsMatch } from './tag-matcher.js';
/** Input validation shared by publish, outbox and admin. */
export {
  MAX_DELAY_MS,
  IMMEDIATE_DELAY_MS,
  MAX_TAGS,
  validateSubject,
  validateSubjectPattern,
  subjectMatches,
  validateMsgId,
  validateTags,
  resolveDueTime,
} from './message-validation.js';
/** Retry policies: one interface, one class per policy, and resolve from config. */
export { FixedRetry } from './retry/fixed-retry.js';
export { ExponentialRetry } from './retry/exponential-retry.js';
export { ScheduleRetry } from './retry/schedule-retry.js';
export { resolveRetryPolicy } from './retry/resolve-retry.js';
export type { RetryPolicy, RetryPolicySpec } from './retry/retry-policy.js';
/** Delayed and scheduled delivery (JetStream stores, Redis indexes by due time). */
export { DelayScheduler } from './delay-scheduler.js';
export type { DelaySchedulerOptions } from './delay-scheduler.js';
/** Transactional outbox with relay and watchdog. */
export { Outbox } from './outbox.js';
export type { OutboxMessage, OutboxOptions, SweepResult } from './outbox.js';
export { OutboxEntity, OutboxState } from './outbox.entity.js';
export type { OutboxRow } from './outbox.entity.js';
/** Idempotent consumers. */
export { IdempotencyGuard } from './idempotency-guard.js';
export type { IdempotencyOptions, OnceResult } from './idempotency-guard.js';
export { ProcessedMessageEntity, claimMessage, pruneProcessedMessages } from './processed-message.entity.js';
export type { ProcessedMessage } from './processed-message.entity.js';
/** Trace, dead letters and admin views. */
export { TraceKind, TraceWriter, traceMessage } from './message-trace.js';
export type { TraceRecord, MessageTrace, TraceWriterOptions } from './message-trace.js';
export { DeadLetterStore } from './dead-letters.js';
export type { DeadLetter, DeadLetterFilter } from './dead-letters.js';
export { BusAdmin } from './bus-admin.js';
export type { StreamSummary, ConsumerSummary } from './bus-admin.js';
export { ensureRateQuotaBucket } from './rate-quota-bucket.js';
