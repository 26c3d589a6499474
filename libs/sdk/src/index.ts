/** Writing a service: handlers bound to a .proto service, served with one call. */
export { defineService } from './service/define-service.js';
export type { ConsoleRequestLog, Handler, RequestContext, ServiceDefinition, ServiceImpl } from './service/define-service.js';
export { serve } from './service/serve.js';
export type { RunningService, ServeOptions } from './service/serve.js';
/** Calling a service by name (routed, load-balanced, failing over) or by address. */
export { client } from './client/service-client.js';
export type { AnyClient, ClientCallOptions, ClientOptions, ServiceClient } from './client/service-client.js';
/** What callers report about their circuit breakers, per callee method and minute. */
export { BreakerCounters, BreakerAttrs } from './client/breaker-counters.js';
export { CircuitBreakers } from '@msec/rpc';
/** IDLs known to this process. */
export { useProto } from './runtime/proto-catalog.js';
export type { ProtoSource } from './runtime/proto-catalog.js';
/** The call being served (for libraries that need its deadline or trace). */
export { currentCall } from './runtime/call-scope.js';
/** Process-wide runtime: call listeners for telemetry, and closing at exit. */
export { onClientCall, closeSharedRuntime, sharedRuntime } from './runtime/shared-runtime.js';
export type { SharedRuntime } from './runtime/shared-runtime.js';
/** Live configuration: the config version published in the console, read and watched without a restart. */
export { config } from './config/live-config.js';
export type { ConfigVersionInfo, ConfigValueListener } from './config/live-config.js';
/** The environment the agent gives a business process. */
export { readSdkEnvironment } from './config/sdk-env.js';
export type { SdkEnvironment } from './config/sdk-env.js';
/** `monitor.add(attr, n)` / `monitor.set(attr, v)` for business services, reported per minute with no set-up. */
export { monitor, log, closeTelemetry } from './telemetry/telemetry-hub.js';
/** Business monitoring: add/set reports aggregated per minute and batched to the monitor over JetStream. */
export {
  MonitorReporter,
  MinuteAggregator,
  callRecordsToReports,
  latencyBucket,
  ensureStatsStream,
  MonitorReporterErrorCode,
  badReporterOption,
} from './monitor/index.js';
export type { MonitorReporterOptions, MonitorReporterStats, SetMode, DrainedItems } from './monitor/index.js';
/** Centralised logs: SDK logger, request loggers, colouring rules, span reporting. */
export {
  MsecLogger,
  RequestLogger,
  createLogger,
  matchesColourRule,
  parseColourRules,
  ColourRuleSet,
  ColourRuleWatcher,
  SpanReporter,
  createSpanReporter,
  spanFromServedCall,
  NatsBatchPublisher,
  SpoolFile,
  newLineId,
  newTraceId,
  newSpanId,
  SdkLogErrorCode,
  badLogOption,
  loggerClosed,
} from './log/index.js';
export type {
  LoggerOptions,
  RequestLogContext,
  SpanReporterOptions,
  ServedCall,
  BatchPublisherOptions,
  BatchPublisherStats,
} from './log/index.js';
/** `sdk.mq`: publish, subscribe (group or broadcast), transactional outbox and idempotent consumers on one lazy NATS connection. */
export { Mq, MqOutbox, mq, idempotent, idempotentInTransaction, MqErrorCode, mqNotConfigured, mqConnectFailed } from './mq/index.js';
export type { MqOptions, MqSubscribeOptions, ScopeOf, TransactionalHandler } from './mq/index.js';
/** Pull consumers (the tables for the outbox and idempotent consumers are in `@msec/sdk/outbox`). */
export type { PullOptions, PulledMessage, PullSubscription } from '@msec/bus';
/** `sdk.events`: subscribe to catalogue events (docs/events.md) at least once, handled once per event id. */
export { Events, events } from './events/events.js';
export type { EventsOptions, EventSubscribeOptions, EventSubscription } from './events/events.js';
export { EventsErrorCode, eventsNotConfigured, eventsConnectFailed } from './events/events.errors.js';
