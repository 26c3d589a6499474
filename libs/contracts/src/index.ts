export { MsecError, ValidationError, isErrorPayload, toErrorPayload } from './msec-error.js';
export type { ErrorPayload, MsecErrorOptions } from './msec-error.js';
export { Component, COMPONENTS_IN_START_ORDER, Subjects } from './subjects.js';
export type { DependencyHealth, HealthReport } from './health.js';
/** Subjects of the host agents and the deploy service. */
export { DeploySubjects } from './deploy/deploy-subjects.js';
export { LIVE_CONFIG_BUCKET, liveConfigKey, parseLiveConfigValue } from './deploy/live-config.js';
export { RATE_QUOTA_BUCKET, RATE_QUOTA_TTL_SECONDS, rateQuotaKey, rateQuotaKeyPrefix } from './registry/rate-quota.js';
export type { LiveConfigValue } from './deploy/live-config.js';
/** Signed agent commands, audit events, heartbeats and host views. */
export { ADMIN_ONLY_COMMAND_TYPES, AgentCommandType, AuditOutcome } from './deploy/agent-command.js';
export type {
  AgentAuditEvent,
  CommandRequester,
  AgentHeartbeat,
  CanonicalValue,
  CommandEnvelope,
  CommandReply,
  ExecCommandResult,
  HostEnrollmentCreated,
  HostEnrollmentGrant,
  HostEnrollmentView,
  HostMetrics,
  HostStatusChanged,
  HostView,
  HostOfflineView,
  InstanceReport,
  SignedCommand,
} from './deploy/agent-command.js';
/** Canonical serialisation and Ed25519 signing/verification of agent commands. */
export {
  AGENT_MAX_COMMAND_LIFETIME_MS,
  COMMAND_SIGNING_PREFIX,
  argsDigest,
  canonicalJson,
  commandSigningBytes,
  publicKeyId,
  signCommand,
  verifyCommandSignature,
} from './deploy/command-signing.js';
/** Centralised logs and tracing: subjects, stream, colour bucket. */
export { LogSubjects, LOG_INGEST_STREAM, LOG_INGEST_CONSUMER, LOG_COLOUR_BUCKET, LOG_COLOUR_KEY } from './log/log-subjects.js';
/** Trace sampling set from the console: a key beside the colouring rules, read by every SDK. */
export { LOG_TRACE_SAMPLING_KEY, traceSamplingFor } from './log/trace-sampling.js';
export type { TraceSampling, TraceSamplingSettings } from './log/trace-sampling.js';
/** Centralised logs and tracing: levels, lines, spans, colouring rules, queries, call graphs. */
export { LogLevel, LOG_LEVEL_NAMES, SpanStatus } from './log/log-types.js';
export type {
  LogLevelName,
  LogFieldValue,
  LogLine,
  SpanRecord,
  ColourRule,
  FieldFilter,
  LogQuery,
  LogPage,
  TraceRequest,
  TraceNode,
  TraceView,
  DependencyRequest,
  DependencyEdge,
  DependencyGraph,
  LogStorageReport,
} from './log/log-types.js';
/** KV administration (Redis Cluster): subjects, operation kinds and statuses. */
export { KvSubjects, KvOperationKind, KvOperationStatus } from './kv/kv-subjects.js';
export type { KvSubject } from './kv/kv-subjects.js';
/** KV administration: payloads of the NATS API and its events. */
export type {
  KvSlotRange,
  KvClusterSummary,
  KvNodeView,
  KvTopology,
  KvCheckReport,
  KvOperationView,
  KvProgressEvent,
  KvNodeSample,
  KvSlowlogEntry,
  KvKeyInspection,
  KvValuePreview,
  KvRegisterRequest,
  KvCreateClusterRequest,
  KvClusterRequest,
  KvConfirmedRequest,
  KvAddMasterRequest,
  KvAddReplicaRequest,
  KvRemoveNodeRequest,
  KvFailoverRequest,
  KvRebalanceRequest,
  KvOperationRequest,
  KvOperationListRequest,
  KvSlowlogRequest,
  KvKeyRequest,
  KvOperationStarted,
} from './kv/kv-types.js';
/** Monitoring: telemetry subjects, stream, partitioning and query subjects. */
export {
  MonitorSubjects,
  MONITOR_STATS_STREAM,
  MONITOR_PARTITIONS,
  serviceHash,
  statsPartition,
  monitorShardOf,
} from './monitor/monitor-subjects.js';
/** Monitoring: the stats batch the SDK publishes. */
export { StatKind, STAT_KINDS, DROPPED_REPORTS_ATTR } from './monitor/monitor-stats.js';
export type { StatItem, StatsBatch } from './monitor/monitor-stats.js';
/** Monitoring: RPC call records and the attributes derived from them. */
export {
  LATENCY_BUCKETS_MS,
  RPC_ATTR_PREFIX,
  RPC_CALLEE_ATTR_PREFIX,
  RpcStatSide,
  rpcAttr,
  calleeRpcAttr,
  parseRpcAttr,
  parseRpcStatAttr,
  unknownCaller,
} from './monitor/call-record.js';
export type { CallRecord } from './monitor/call-record.js';
/** Monitoring: query, alarm rule and alarm event shapes. */
export { AlarmType, AlarmState } from './monitor/monitor-api.js';
export type {
  MonitorDay,
  CurveRequest,
  CurveReply,
  MinuteValues,
  TotalsRequest,
  TotalsReply,
  AttrTotal,
  TopRequest,
  CallsRequest,
  CallsReply,
  CallRow,
  AttrInfo,
  AlarmRuleInput,
  AlarmRuleView,
  AlarmView,
  AlarmEvent,
  AlarmsListRequest,
} from './monitor/monitor-api.js';
/** Release plans: states, strategy, host steps and progress events. */
export { ReleaseHostState, ReleaseState } from './deploy/release.js';
export type {
  ReleaseHostStep,
  ReleasePlanView,
  ReleaseProgressEvent,
  ReleaseStrategy,
  ReleaseVersions,
  ReleasedEvent,
} from './deploy/release.js';
/** Deploy's events in the event stream. */
export { DeployEventType, DeployEventSubjects } from './deploy/deploy-events.js';
export type { DeployEventPayloads, ReleaseCreatedPayload, ReleaseEventPayloads } from './deploy/deploy-events.js';
export { deployEventDefinitions } from './events/deploy.events.js';
/** Registry: service kinds, events, subjects and views. */
export { ServiceKind, RegistryEventType, RegistrySubjects } from './registry/registry-events.js';
export type { RegistryEventPayloads, InstanceView, ServiceView, TrafficPolicyView, RoutingRule } from './registry/registry-events.js';
/** ZooKeeper digest identity names (registry, reader, `svc-<Service>`). */
export { ZkIdentityName } from './registry/zk-identities.js';
/** JetStream stream and consumer names, and Object Store buckets, of the deploy area. */
export { DeployStreams, DeployBuckets } from './deploy/deploy-subjects.js';
/** Packages: list rows, the staged-upload handshake and the object reference agents install from. */
export type { PackageView, PackageUploadSlot, PackageRegisterRequest, PackageObjectRef } from './deploy/packages.js';
/** Config and IDL versions as the deploy service lists them. */
export type { ConfigVersionView, IdlFileDiff, IdlVersionView, LiveConfigView } from './deploy/deploy-api.js';
/** msec.json: how the agent runs a package in any language (runtime or start command, health check, stop signal, env). */
export {
  RUN_MANIFEST_FILE,
  PackageRuntime,
  STOP_SIGNALS,
  DEFAULT_RUN_MANIFEST,
  parseRunManifest,
  runCommand,
} from './deploy/run-manifest.js';
export type { RunManifest, HealthCheck, StopSignal } from './deploy/run-manifest.js';
/** Message bus admin and messaging API (`msec.bus.*`, served by the deploy service): subjects and JSON views. */
export { BusApiSubjects } from './bus/bus-api.js';
export type {
  BusPublishRequest,
  BusPublishReply,
  BusCancelReply,
  BusStreamView,
  BusConsumerView,
  BusMessageView,
  BusDeadLetterView,
  BusTraceStep,
  BusTraceView,
} from './bus/bus-api.js';
/** NATS identities and their least-privilege permissions, generated from the subjects above. */
export {
  BusMessagingNames,
  CONSOLE_OPERATION_SUBJECTS,
  HOST_METRICS_SERVICE,
  NatsRole,
  agentIdentity,
  identityName,
  isIdentityToken,
  natsInboxPrefix,
  natsPermissionsFor,
  natsPermissionsTable,
  serviceIdentity,
} from './security/nats-permissions.js';
export type { NatsPermissions } from './security/nats-permissions.js';
// The NATS trust chain (NatsAuthority, NatsAccountSigner) is `@msec/contracts/nats-authority`, and connecting with a
// .creds file (natsCredsOptions) `@msec/contracts/nats-creds`: a process that needs neither loads no NATS library.
/** The shape of an event catalogue entry. */
export type { EventDefinition } from './events/event-definition.js';
/** The event catalogue: every event a user can subscribe to, its subject filter, and docs/events.md's table. */
export {
  EVENT_CATALOGUE,
  eventDefinitionOf,
  eventSubjectFilter,
  eventStoreSubject,
  eventCatalogueMarkdown,
} from './events/event-catalogue.js';
export { registryEventDefinitions } from './events/registry.events.js';
export { monitorEventDefinitions } from './events/monitor.events.js';
export { logEventDefinitions } from './events/log.events.js';
export { kvEventDefinitions } from './events/kv.events.js';
export { gatewayEventDefinitions } from './events/gateway.events.js';
export { GatewayEventType, GatewayEventSubjects } from './gateway/gateway-events.js';
export type { GatewayEventPayloads, AuditedCall, WebhookSettings } from './gateway/gateway-events.js';
export type {
  ApiTokenScope,
  ApiTokenView,
  AuditEntry,
  BreakersView,
  CallerBreakerView,
  ComponentStatus,
  CreatedApiToken,
  LiveEvent,
  MeView,
  Page,
  RevokedCredentials,
  UserView,
} from './gateway/gateway-api.js';
export { KvEventType, KvEventSubjects } from './kv/kv-events.js';
export type { KvEventPayloads } from './kv/kv-events.js';
export { LogEventType, LogEventSubjects } from './log/log-events.js';
export type { LogEventPayloads } from './log/log-events.js';
/** Event streams: the console's source of truth and the feed automation reads. */
export { EventStreams } from './events/event-stream.js';
/** Monitor events: alarm state and alarm rule changes. */
export { MonitorEventType, MonitorEventSubjects } from './monitor/monitor-events.js';
export type { MonitorEventPayloads, AlarmRuleEventPayload } from './monitor/monitor-events.js';
/** docs/events.md: the markers around its generated part, and the rewrite `./msec events catalogue --write` does. */
export { EVENTS_DOC_MARKERS, generatedPartOf, withGeneratedCatalogue } from './events/events-doc.js';
/** Event webhooks: headers of each POST, delivery states and REST views. */
export { WebhookHeaders, WebhookDeliveryStatus } from './events/webhook-contract.js';
export type { WebhookView, CreatedWebhook, WebhookDeliveryView, WebhookEventTypeView } from './events/webhook-contract.js';
export { eventTypesFilter } from './events/event-catalogue.js';
export {
  checkRoutingRule,
  isFieldProblem,
  sortRoutingRules,
  routingBucket,
  ROUTING_LIMITS,
  DEFAULT_RULE_ORDER,
} from './registry/routing-rule.js';
export type { FieldProblem } from './registry/routing-rule.js';
export { streamReplicas, setStreamReplicas, checkStreamReplicas, STREAM_REPLICA_CHOICES } from './nats/stream-replicas.js';
export type { CapacityReport, ServiceCapacity, InstanceCapacity } from './capacity/capacity-types.js';
