import { DeployBuckets, DeploySubjects } from '../deploy/deploy-subjects.js';
import { LIVE_CONFIG_BUCKET, liveConfigKey } from '../deploy/live-config.js';
import { RATE_QUOTA_BUCKET, rateQuotaKeyPrefix } from '../registry/rate-quota.js';
import { LOG_COLOUR_BUCKET, LogSubjects } from '../log/log-subjects.js';
import { EventStreams } from '../events/event-stream.js';
import { MONITOR_STATS_STREAM, MonitorSubjects } from '../monitor/monitor-subjects.js';
import { MsecError } from '../msec-error.js';
import { Component, Subjects } from '../subjects.js';

/** Roles of NATS identities; each identity is one role (agents and business services add their host id or name). */
export const NatsRole = {
  registry: 'registry',
  deploy: 'deploy',
  monitor: 'monitor',
  log: 'log',
  kvAdmin: 'kv-admin',
  gateway: 'gateway',
  /** The command-line tool run by an operator. */
  admin: 'admin',
  /** One per host: `agent-<hostId>`. */
  agent: 'agent',
  /** One per business service: `service-<Service.name>`. */
  service: 'service',
} as const;
/** One of NatsRole. */
export type NatsRole = (typeof NatsRole)[keyof typeof NatsRole];

/** What one identity may do on NATS; the user JWT carries it and the server enforces it. */
export interface NatsPermissions {
  /** Subjects the identity may publish (and so request) on. */
  publish: string[];
  /** Subjects the identity may subscribe to. */
  subscribe: string[];
  /** Subjects refused although an allow entry covers them (the server checks deny first). */
  publishDeny: string[];
  subscribeDeny: string[];
  /** True when the identity answers requests: it may publish one reply to the reply subject of a request it received. */
  allowResponses: boolean;
}

/** Host ids are one subject token: letters, digits, '-' and '_'. */
const IDENTITY_TOKEN = /^[A-Za-z0-9_-]{1,100}$/;
/** Service names (`First.Second`) are tokens of those characters joined by dots. */
const SERVICE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** True when `value` can be a host id inside an identity (one NATS subject token). */
export function isIdentityToken(value: string): boolean {
  return IDENTITY_TOKEN.test(value);
}

/** Identity of the agent of one host. */
export function agentIdentity(hostId: string): string {
  return `${NatsRole.agent}-${hostId}`;
}

/** Identity of one business service. */
export function serviceIdentity(service: string): string {
  return `${NatsRole.service}-${service}`;
}

/** Inbox prefix of an identity: its replies arrive under it, and no other identity may subscribe there. */
export function natsInboxPrefix(identity: string): string {
  return `_INBOX_${identity}`;
}

/** Business message bus: stream and subject prefixes the SDK's `mq` API uses (the bus package defines the same names). */
export const BusMessagingNames = {
  messageStream: 'MSEC_MQ',
  delayStream: 'MSEC_MQ_DELAY',
  messageSubjects: 'msec.mq.>',
  /** Key-ordered subscriptions relay messages into per-partition subjects of this stream. */
  orderedStream: 'MSEC_MQ_ORDERED',
  orderedSubjects: 'msec.mqo.>',
  delaySubjects: 'msec.delay.>',
  deadLetterSubjects: 'msec.dlq.>',
  traceSubjects: 'msec.trace.>',
} as const;

/** The service name the agents report host metrics curves under. */
export const HOST_METRICS_SERVICE = 'Msec.hosts';

/** Roles of the console back-ends (the gateway included). */
type ConsoleRole =
  | typeof NatsRole.registry
  | typeof NatsRole.deploy
  | typeof NatsRole.monitor
  | typeof NatsRole.log
  | typeof NatsRole.kvAdmin
  | typeof NatsRole.gateway;

/**
 * The console operations each back-end answers (or, for the monitor, asks its own shards); every other console
 * operation is denied to it, so a back-end can neither ask another one to act (deploy signing a host command) nor
 * listen in its place.
 */
const BACKEND_OPERATIONS: Record<Exclude<ConsoleRole, typeof NatsRole.gateway>, readonly string[]> = {
  [NatsRole.deploy]: ['msec.deploy.>', 'msec.bus.>'],
  [NatsRole.registry]: ['msec.registry.>'],
  [NatsRole.monitor]: ['msec.monitor.>'],
  [NatsRole.log]: [
    'msec.log.query',
    'msec.log.trace',
    'msec.log.dependencies',
    'msec.log.colour.>',
    'msec.log.purge',
    'msec.log.storage',
    'msec.log.sampling.>',
    'msec.log.rebuild',
    'msec.log.tail.>',
  ],
  [NatsRole.kvAdmin]: ['msec.kv.>'],
};

/** Request prefixes of the console's operations; only the gateway and the admin identity may use them all. */
export const CONSOLE_OPERATION_SUBJECTS: readonly string[] = Object.values(BACKEND_OPERATIONS).flat();

/** What each console identity may use of the console's operations: its own, and the gateway all of them. */
const OWN_OPERATIONS: Record<ConsoleRole, readonly string[]> = { ...BACKEND_OPERATIONS, [NatsRole.gateway]: CONSOLE_OPERATION_SUBJECTS };
/** Subjects of the platform's events, by owner: an event may only come from the service it describes. */
const EVENT_SUBJECTS = {
  /** Domain events in the event store (`msec.evt.<owner>.…`), one owner each. */
  registryStore: `${EventStreams.subjectPrefix}registry.>`,
  monitorStore: `${EventStreams.subjectPrefix}monitor.>`,
  logStore: `${EventStreams.subjectPrefix}log.>`,
  kvAdminStore: `${EventStreams.subjectPrefix}kv-admin.>`,
  gatewayStore: `${EventStreams.subjectPrefix}gateway.>`,
  /** The gateway's audit trail, in its own bounded stream. */
  gatewayAudit: `${EventStreams.auditSubjectPrefix}gateway.>`,
  /** The automation feed: a copy of the event store the gateway relays. */
  feed: EventStreams.feedAllSubjects,
  deploy: 'msec.events.deploy.>',
  deployStore: `${EventStreams.subjectPrefix}deploy.>`,
  monitor: 'msec.events.monitor.>',
  kvAdmin: 'msec.events.kv.>',
  agents: 'msec.events.agent.>',
} as const;
/** The events each back-end publishes; the others' are denied to it (agents' events come from agents only). */
const OWN_EVENTS: Record<ConsoleRole, readonly string[]> = {
  [NatsRole.registry]: [EVENT_SUBJECTS.registryStore],
  [NatsRole.deploy]: [EVENT_SUBJECTS.deploy, EVENT_SUBJECTS.deployStore],
  [NatsRole.monitor]: [EVENT_SUBJECTS.monitor, EVENT_SUBJECTS.monitorStore],
  [NatsRole.log]: [EVENT_SUBJECTS.logStore],
  [NatsRole.kvAdmin]: [EVENT_SUBJECTS.kvAdmin, EVENT_SUBJECTS.kvAdminStore],
  [NatsRole.gateway]: [EVENT_SUBJECTS.feed, EVENT_SUBJECTS.gatewayStore, EVENT_SUBJECTS.gatewayAudit],
};
/** What the gateway subscribes to among the console operations: the live log tail it relays to browsers. */
const GATEWAY_SUBSCRIBES = ['msec.log.tail.>'];
/** Host commands: only the host's agent may listen there (a back-end listening could answer in its place). */
const AGENT_COMMANDS = 'msec.agent.>';

/** Health probe of every platform component. */
const HEALTH_SUBJECTS = Object.values(Component).map((c) => Subjects.health(c));

/** JetStream, KV and object store subjects a trusted console back-end uses. */
const JETSTREAM_FULL = ['$JS.API.>', '$JS.ACK.>', '$JS.FC.>', '$KV.>', '$O.>'];

/** Read-only access to one object store bucket: what fetching an object needs, nothing that writes or deletes. */
function objectStoreRead(bucket: string): string[] {
  return ['$JS.API.INFO', ...streamRead(`OBJ_${bucket}`)];
}

/** Reading (and watching) one KV bucket: what the SDK's log-colouring rules need, nothing that writes. */
function kvRead(bucket: string): string[] {
  return streamRead(`KV_${bucket}`);
}

/**
 * Reading and watching one key of a KV bucket and nothing else of it: a watcher's consumer may only be created with
 * that key as its filter (the server checks the filter in the subject against the request), and a get names the key.
 */
function kvKeyRead(bucket: string, key: string): string[] {
  const stream = `KV_${bucket}`;
  const subject = `$KV.${bucket}.${key}`;
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.${subject}`,
    `$JS.API.CONSUMER.CREATE.${stream}.*.${subject}`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * Reading and updating the keys of a KV bucket under one prefix (a get names its key; an update is a publish on the
 * key's subject), and nothing else of it: no consumers, no other keys.
 */
function kvKeysUse(bucket: string, prefix: string): string[] {
  const stream = `KV_${bucket}`;
  return [`$JS.API.STREAM.INFO.${stream}`, `$JS.API.DIRECT.GET.${stream}.$KV.${bucket}.${prefix}.>`, `$KV.${bucket}.${prefix}.>`];
}

/** Reading one stream's messages through an ephemeral consumer or direct get: the common core of the two above. */
function streamRead(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * Reading the event feed through durable consumers: what `events.subscribe` in the SDK needs. Nothing here lets the
 * identity publish to the feed or the event store; the console's own event stream, whose consumers feed the read models,
 * stays out of reach, and consumers cannot be deleted.
 */
function eventFeedRead(): string[] {
  const feed = EventStreams.feed;
  return [
    `$JS.API.STREAM.INFO.${feed}`,
    `$JS.API.CONSUMER.CREATE.${feed}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${feed}.>`,
    `$JS.API.CONSUMER.INFO.${feed}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${feed}.>`,
    `$JS.ACK.${feed}.>`,
  ];
}

/** Telemetry one reporter sends: its stats subject (the stats stream must exist; only reading its info is allowed). */
function statsPublish(service: string): string[] {
  return [MonitorSubjects.stats(service), `$JS.API.STREAM.INFO.${MONITOR_STATS_STREAM.name}`];
}

/** Publishing and consuming on one stream: what the SDK's message bus needs, without creating or deleting streams. */
function streamUse(stream: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.>`,
    `$JS.API.CONSUMER.DELETE.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/** A console back-end: the platform's subjects and JetStream, except other back-ends' operations and host commands. */
function consoleService(role: ConsoleRole): NatsPermissions {
  const own = OWN_OPERATIONS[role];
  const subscribesTo = role === NatsRole.gateway ? GATEWAY_SUBSCRIBES : own;
  return {
    publish: ['msec.>', ...JETSTREAM_FULL],
    subscribe: ['msec.>', `${natsInboxPrefix(role)}.>`],
    publishDeny: [
      ...CONSOLE_OPERATION_SUBJECTS.filter((s) => !own.includes(s)),
      ...Object.values(EVENT_SUBJECTS).filter((s) => !OWN_EVENTS[role].includes(s)),
    ],
    subscribeDeny: [...CONSOLE_OPERATION_SUBJECTS.filter((s) => !subscribesTo.includes(s)), AGENT_COMMANDS],
    allowResponses: true,
  };
}

/**
 * The permissions of an identity, generated from the subjects defined in this package.
 * `name` is the host id of an agent or the service name of a business service; other roles take none.
 */
export function natsPermissionsFor(role: NatsRole, name?: string): NatsPermissions {
  switch (role) {
    case NatsRole.registry:
    case NatsRole.deploy:
    case NatsRole.monitor:
    case NatsRole.log:
    case NatsRole.kvAdmin:
    case NatsRole.gateway:
      return consoleService(role);
    case NatsRole.admin:
      return {
        publish: [...CONSOLE_OPERATION_SUBJECTS, ...HEALTH_SUBJECTS],
        subscribe: [`${natsInboxPrefix(role)}.>`],
        publishDeny: [],
        subscribeDeny: [],
        allowResponses: false,
      };
    case NatsRole.agent: {
      const hostId = requireName(role, name, IDENTITY_TOKEN);
      const identity = agentIdentity(hostId);
      return {
        publish: [
          DeploySubjects.agentHeartbeat(hostId),
          DeploySubjects.agentAudit(hostId),
          // Host metrics curves are reported as one service for all hosts (the batch names the host).
          ...statsPublish(HOST_METRICS_SERVICE),
          LogSubjects.ingestLines,
          ...objectStoreRead(DeployBuckets.packages),
        ],
        subscribe: [DeploySubjects.agentCommand(hostId), Subjects.health(Component.agent), `${natsInboxPrefix(identity)}.>`],
        publishDeny: [],
        subscribeDeny: [],
        allowResponses: true,
      };
    }
    case NatsRole.service: {
      const service = requireName(role, name, SERVICE_NAME);
      const identity = serviceIdentity(service);
      return {
        publish: [
          ...statsPublish(service),
          LogSubjects.ingestLines,
          LogSubjects.ingestSpans,
          ...kvRead(LOG_COLOUR_BUCKET),
          ...kvKeyRead(LIVE_CONFIG_BUCKET, liveConfigKey(service)),
          ...kvKeysUse(RATE_QUOTA_BUCKET, rateQuotaKeyPrefix(service)),
          BusMessagingNames.messageSubjects,
          BusMessagingNames.orderedSubjects,
          BusMessagingNames.delaySubjects,
          BusMessagingNames.deadLetterSubjects,
          BusMessagingNames.traceSubjects,
          '$JS.API.INFO',
          ...streamUse(BusMessagingNames.messageStream),
          ...streamUse(BusMessagingNames.orderedStream),
          ...eventFeedRead(),
        ],
        subscribe: [`${natsInboxPrefix(identity)}.>`],
        publishDeny: [],
        subscribeDeny: [],
        allowResponses: false,
      };
    }
  }
}

function requireName(role: NatsRole, name: string | undefined, pattern: RegExp): string {
  if (name === undefined || name.length > 200 || !pattern.test(name)) {
    throw new MsecError(
      'NATS_IDENTITY_INVALID',
      `NATS identity of role '${role}' needs a name of letters, digits, '-' or '_' (got '${name ?? ''}'); pass the host id or service name`,
      { status: 400, data: { role, name } },
    );
  }
  return name;
}

/** The permissions table as Markdown (docs/security.md embeds it; a test checks the two match). */
export function natsPermissionsTable(): string {
  const rows: [string, NatsPermissions][] = [
    ...[NatsRole.registry, NatsRole.deploy, NatsRole.monitor, NatsRole.log, NatsRole.kvAdmin, NatsRole.gateway, NatsRole.admin].map(
      (r): [string, NatsPermissions] => [r, natsPermissionsFor(r)],
    ),
    ['agent-&lt;hostId&gt;', natsPermissionsFor(NatsRole.agent, 'HOST')],
    ['service-&lt;name&gt;', natsPermissionsFor(NatsRole.service, 'NAME')],
  ];
  const cell = (subjects: string[]): string => subjects.map((s) => `\`${s}\``).join('<br>');
  const denied = (subjects: string[]): string => (subjects.length ? `<br>except ${cell(subjects)}` : '');
  return [
    '| Identity | Publish | Subscribe | Answers requests |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      ([id, p]) =>
        `| ${id} | ${cell(p.publish)}${denied(p.publishDeny)} | ${cell(p.subscribe)}${denied(p.subscribeDeny)} | ${p.allowResponses ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
}

/** The identity name of a role: the role itself, or `agent-<hostId>` / `service-<name>`. */
export function identityName(role: NatsRole, name?: string): string {
  if (role === NatsRole.agent) return agentIdentity(name ?? '');
  if (role === NatsRole.service) return serviceIdentity(name ?? '');
  return role;
}
