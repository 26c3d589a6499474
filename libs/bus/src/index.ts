/** Stream, subject, header, Redis-key and consumer names of the bus (to move to @msec/contracts). */
export { BusStreams, BusSubjects, BusHeaders, BusRedisKeys, BusConsumers } from './jetstream/bus-subjects.js';
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
export { ensureBusStreams, busStreamConfigs, DEFAULT_RETENTION, EVENT_FEED_MAX_AGE_MS } from './jetstream/bus-streams.js';
export type { BusRetention } from './jetstream/bus-streams.js';
/** Making streams and consumers (also importable alone as `@msec/bus/jetstream`). */
export * from './jetstream/index.js';
/** Event sourcing: the typed envelope, the append-only store, projections with checkpoints. */
export { createEvent } from './events/event-envelope.js';
export type { DomainEvent, StoredEvent } from './events/event-envelope.js';
export { EventStore } from './events/event-store.js';
export type { AppendResult, AggregateEvents } from './events/event-store.js';
export { ProjectionRunner, sharedProjectionRunner } from './events/projection-runner.js';
export { PerKeyQueue } from './events/per-key-queue.js';
export { EventDecisions } from './events/event-decisions.js';
export type { Decision } from './events/event-decisions.js';
export type { Projection, ProjectionRunnerOptions, EventMeta } from './events/projection-runner.js';
export { ProjectionCheckpointEntity, createProjectionCheckpointTable } from './events/projection-checkpoint.entity.js';
export type { ProjectionCheckpoint } from './events/projection-checkpoint.entity.js';
/** Upcasting: events stored in an older version are lifted to the current one before anyone reads them. */
export { EventUpcasters, platformUpcasters } from './events/event-upcasters.js';
export type { Upcaster } from './events/event-upcasters.js';
/** Automation: at-least-once delivery of domain events through a durable consumer of the event feed. */
export { EventSubscriber, validateDurableName } from './events/event-subscriber.js';
export { EventFeedRelay } from './events/event-feed-relay.js';
export type { EventFeedRelayOptions } from './events/event-feed-relay.js';
export { EVENT_STORE, AUDIT_TRAIL } from './events/event-source.js';
export type { EventSource } from './events/event-source.js';
export type { EventDelivery, EventHandler, EventSubscriberOptions } from './events/event-subscriber.js';
/** Messaging: publish, subscribe (group or broadcast), tags, retries, dead letters. */
export { MessageBus } from './messaging/message-bus.js';
export type { MessageBusOptions, PublishOptions, PublishResult } from './messaging/message-bus.js';
export { Subscription } from './messaging/subscription.js';
export { PullSubscription } from './messaging/pull-subscription.js';
export { cancelScheduled } from './delay/delay-cancel.js';
export type { CancelledMessage, CancelOptions } from './delay/delay-cancel.js';
export { OrderedSubscription, keyPartition } from './messaging/ordered-subscription.js';
export type { PullOptions, PulledMessage } from './messaging/pull-subscription.js';
export type { DeliveryContext, MessageHandler, SubscribeOptions } from './messaging/subscription.js';
export type { BusMessage } from './messaging/message-codec.js';
export { TagMode, tagsMatch } from './messaging/tag-matcher.js';
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
} from './messaging/message-validation.js';
/** Retry policies: one interface, one class per policy, and resolve from config. */
export { FixedRetry } from './messaging/retry/fixed-retry.js';
export { ExponentialRetry } from './messaging/retry/exponential-retry.js';
export { ScheduleRetry } from './messaging/retry/schedule-retry.js';
export { resolveRetryPolicy } from './messaging/retry/resolve-retry.js';
export type { RetryPolicy, RetryPolicySpec } from './messaging/retry/retry-policy.js';
/** Delayed and scheduled delivery (JetStream stores, Redis indexes by due time). */
export { DelayScheduler } from './delay/delay-scheduler.js';
export type { DelaySchedulerOptions } from './delay/delay-scheduler.js';
/** Transactional outbox with relay and watchdog. */
export { Outbox } from './messaging/outbox.js';
export type { OutboxMessage, OutboxOptions, SweepResult } from './messaging/outbox.js';
export { OutboxEntity, OutboxState } from './messaging/outbox.entity.js';
export type { OutboxRow } from './messaging/outbox.entity.js';
/** Idempotent consumers. */
export { IdempotencyGuard } from './messaging/idempotency-guard.js';
export type { IdempotencyOptions, OnceResult } from './messaging/idempotency-guard.js';
export { ProcessedMessageEntity, claimMessage, pruneProcessedMessages } from './messaging/processed-message.entity.js';
export type { ProcessedMessage } from './messaging/processed-message.entity.js';
/** Trace, dead letters and admin views. */
export { TraceKind, TraceWriter, traceMessage } from './messaging/message-trace.js';
export type { TraceRecord, MessageTrace, TraceWriterOptions } from './messaging/message-trace.js';
export { DeadLetterStore } from './messaging/dead-letters.js';
export type { DeadLetter, DeadLetterFilter } from './messaging/dead-letters.js';
export { BusAdmin } from './admin/bus-admin.js';
export type { StreamSummary, ConsumerSummary } from './admin/bus-admin.js';
export { ensureRateQuotaBucket } from './jetstream/rate-quota-bucket.js';
