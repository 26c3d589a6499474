import { DeployEventType } from '../deploy/deploy-events.js';
import type { EventDefinition } from './event-definition.js';

const SUBJECT = 'deploy.release.plan_<plan id>';
const PLAN = '3f6c1e2a-8d4b-4c1e-9a77-0b1d2e3f4a5b';
const planId = 'string: the release plan id';
const hostId = 'string: the host id';

function step(
  type: string,
  description: string,
  extra: Record<string, string> = {},
  example: Record<string, unknown> = {},
): EventDefinition {
  return {
    type,
    version: 1,
    owner: 'deploy',
    subject: SUBJECT,
    description,
    fields: { planId, ...extra },
    example: { planId: PLAN, ...example },
  };
}

const planFields = {
  planId,
  kind: "string: 'release', or 'rollback' for a plan putting an earlier plan's versions back",
  service: 'string: the service released, e.g. Flight.mod_flight',
  port: 'number: the port the instances listen on',
  target: 'object: packageName, packageVersion, configTag (or null), idlTag (or null)',
  strategy: 'object: canary, batchSize, pauseAfterCanary, stabilizeMs, healthTimeoutMs',
  hosts: 'array: per host hostId, ip, batch, state, error, previous (the versions it ran before, or null)',
  createdAt: 'number: creation time, milliseconds since the epoch',
};
const planExample = {
  planId: PLAN,
  kind: 'release',
  service: 'Flight.mod_flight',
  port: 7100,
  target: { packageName: 'flight', packageVersion: '1.2.0', configTag: null, idlTag: null },
  strategy: { canary: true, batchSize: 1, pauseAfterCanary: false, stabilizeMs: 2000, healthTimeoutMs: 10000 },
  hosts: [{ hostId: 'host-1', ip: '10.0.0.11', batch: 0, state: 'pending', error: null, previous: null }],
  createdAt: 1764892800000,
};

/** The deploy service's events: release plans and every step of them, host status changes, signing key rotations, IDL and config versions, host enrolment tokens. */
export const deployEventDefinitions: EventDefinition[] = [
  {
    type: DeployEventType.releaseCreated,
    version: 1,
    owner: 'deploy',
    subject: SUBJECT,
    description: 'A release (or rollback) plan was accepted and queued.',
    fields: planFields,
    example: planExample,
  },
  {
    type: DeployEventType.releaseImported,
    version: 1,
    owner: 'deploy',
    subject: SUBJECT,
    description: 'A plan stored before release events existed was carried over as it stood, on the first start of this version.',
    fields: {
      ...planFields,
      state: 'string: the plan state then',
      error: 'string or null: why it stopped',
      runNo: 'number: its run counter',
      canaryApproved: 'boolean: whether its canary was approved',
      updatedAt: 'number: last change, milliseconds since the epoch',
    },
    example: { ...planExample, state: 'succeeded', error: null, runNo: 1, canaryApproved: false, updatedAt: 1764892860000 },
  },
  step(
    DeployEventType.releaseStarted,
    'A run of the plan began (first run, after a resume, or after a restart of deploy).',
    { runNo: 'number: the run' },
    { runNo: 1 },
  ),
  step(
    DeployEventType.batchStarted,
    'A batch of hosts (batch 0 is the canary) started changing.',
    { batch: 'number: the batch', hostIds: 'array of string: its hosts' },
    { batch: 0, hostIds: ['host-1'] },
  ),
  step(DeployEventType.instanceStarted, 'The host was told to install and start the target versions.', { hostId }, { hostId: 'host-1' }),
  step(DeployEventType.instanceHealthy, "The host's instance passed the health gate.", { hostId }, { hostId: 'host-1' }),
  step(
    DeployEventType.instanceFailed,
    "The host's instance failed (install, start or health gate), or putting its previous versions back failed.",
    { hostId, reason: 'string: what failed' },
    { hostId: 'host-1', reason: 'health gate failed on host-1: Flight.mod_flight is exited, 1 restarts, version 1.2.0' },
  ),
  step(DeployEventType.releasePaused, 'The canary passed and the plan waits to be resumed.'),
  step(DeployEventType.releaseResumed, 'A paused plan was resumed.', { runNo: 'number: the run it starts' }, { runNo: 2 }),
  step(
    DeployEventType.rollbackStarted,
    'A host failed, so the plan rolls back every host it touched.',
    { reason: 'string: the failure' },
    { reason: 'health gate failed on host-2: Flight.mod_flight is not running' },
  ),
  step(DeployEventType.instanceRollingBack, 'The host is being given back what it ran before.', { hostId }, { hostId: 'host-1' }),
  step(DeployEventType.instanceRolledBack, 'The host runs again what it ran before (or nothing).', { hostId }, { hostId: 'host-1' }),
  step(
    DeployEventType.releaseSucceeded,
    'Every host of the plan runs the target; the registry scales these instances out.',
    {
      service: 'string: the service',
      port: 'number: the port',
      packageVersion: 'string: the version released',
      hosts: 'array: hostId and ip of every host',
    },
    { service: 'Flight.mod_flight', port: 7100, packageVersion: '1.2.0', hosts: [{ hostId: 'host-1', ip: '10.0.0.11' }] },
  ),
  step(DeployEventType.releaseRolledBack, 'The plan ended: every host it touched runs what it ran before.'),
  step(
    DeployEventType.releaseFailed,
    'The plan ended failed: a rollback did not complete, or deploy could not go on (the reason says why).',
    { reason: 'string: why' },
    { reason: 'rollback failed on 1 host(s)' },
  ),
  {
    type: DeployEventType.hostUp,
    version: 1,
    owner: 'deploy',
    subject: 'deploy.host.host_<host id>',
    description: "A host's agent heartbeats (again): the host is up. Heartbeats themselves are not events.",
    fields: { hostId, ip: 'string: the address the agent reports', at: 'number: when deploy saw it, milliseconds since the epoch' },
    example: { hostId: 'host-1', ip: '10.0.0.11', at: 1764892800000 },
  },
  {
    type: DeployEventType.hostDown,
    version: 1,
    owner: 'deploy',
    subject: 'deploy.host.host_<host id>',
    description: 'A host missed three heartbeat intervals: the host is down.',
    fields: {
      hostId,
      lastSeenAt: 'number: its last heartbeat, milliseconds since the epoch',
      at: 'number: when deploy marked it down, milliseconds since the epoch',
    },
    example: { hostId: 'host-1', lastSeenAt: 1764892800000, at: 1764892809500 },
  },
  {
    type: DeployEventType.signingKeyRotated,
    version: 1,
    owner: 'deploy',
    subject: 'deploy.keys',
    description: "The console's command-signing key was replaced; the hosts that were up were sent the new public key.",
    fields: {
      keyId: 'string: id of the new key',
      previousKeyId: 'string: id of the key it replaced',
      overlapSeconds: 'number: how long agents still accept the previous key',
      requestedBy: 'string: who asked, e.g. ada (admin)',
    },
    example: { keyId: 'k-3f6c1e2a8d4b', previousKeyId: 'k-0b1d2e3f4a5b', overlapSeconds: 3600, requestedBy: 'ada (admin)' },
  },
  {
    type: DeployEventType.idlVersionAdded,
    version: 1,
    owner: 'deploy',
    subject: 'deploy.idl.<service name>',
    description:
      'A new IDL version of a service compiled and was stored under its tag (also how versions stored before IDL events existed are carried over).',
    fields: {
      service: 'string: the service',
      tag: 'string: the version tag, unique per service',
      memo: 'string: what changed',
      files: 'object: file name → .proto source',
      createdAt: 'number: when it was stored, milliseconds since the epoch',
    },
    example: {
      service: 'Flight.mod_flight',
      tag: 'v2',
      memo: 'adds the seat map',
      files: { 'flight.proto': 'syntax = "proto3";\nmessage Flight { string id = 1; }\n' },
      createdAt: 1764892800000,
    },
  },
  {
    type: DeployEventType.hostEnrollmentCreated,
    version: 1,
    owner: 'deploy',
    subject: 'deploy.enrollment.enr_<token id>',
    description: 'An admin created a one-time enrolment token for a new host.',
    fields: {
      id: 'string: the token id',
      hostId,
      tokenHash: 'string: sha256 of the token (the token itself is never stored)',
      createdAt: 'number: milliseconds since the epoch',
      expiresAt: 'number: after this the token is refused, milliseconds since the epoch',
      createdBy: 'string: who asked, e.g. ada (admin)',
    },
    example: {
      id: '5a1e0c1e-3333-4c1e-9a77-0b1d2e3f4a5b',
      hostId: 'web-03',
      tokenHash: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      createdAt: 1764892800000,
      expiresAt: 1764896400000,
      createdBy: 'ada (admin)',
    },
  },
  {
    type: DeployEventType.hostEnrollmentRedeemed,
    version: 1,
    owner: 'deploy',
    subject: 'deploy.enrollment.enr_<token id>',
    description: "A host redeemed its token (once) for its NATS identity and the console's public key.",
    fields: {
      id: 'string: the token id',
      hostId,
      redeemedAt: 'number: milliseconds since the epoch',
      redeemedFrom: 'string or null: the address it was redeemed from',
    },
    example: { id: '5a1e0c1e-3333-4c1e-9a77-0b1d2e3f4a5b', hostId: 'web-03', redeemedAt: 1764893000000, redeemedFrom: '10.0.0.13' },
  },
  {
    type: DeployEventType.hostEnrollmentRevoked,
    version: 1,
    owner: 'deploy',
    subject: 'deploy.enrollment.enr_<token id>',
    description: 'An admin cancelled a token that was not used.',
    fields: { id: 'string: the token id', revokedAt: 'number: milliseconds since the epoch' },
    example: { id: '5a1e0c1e-3333-4c1e-9a77-0b1d2e3f4a5b', revokedAt: 1764893000000 },
  },
  {
    type: DeployEventType.configVersionAdded,
    version: 1,
    owner: 'deploy',
    subject: 'deploy.config.<service name>',
    description:
      'A new config file version of a service was stored (a rollback stores a copy of an older one under a new tag); the one with the highest seq is current.',
    fields: {
      service: 'string: the service',
      tag: 'string: the version tag, unique per service',
      memo: 'string: what changed',
      content: 'string: the config file',
      seq: 'number: 1, 2, 3… per service, in the order stored',
      createdAt: 'number: when it was stored, milliseconds since the epoch',
    },
    example: {
      service: 'Flight.mod_flight',
      tag: 'c2',
      memo: 'longer timeout',
      content: 'timeout=250\nretries=2\n',
      seq: 2,
      createdAt: 1764892800000,
    },
  },
];
