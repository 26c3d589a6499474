import type { ReleaseHostStep, ReleaseStrategy, ReleaseVersions } from './release.js';

/** Deploy's event types in the event stream: release plans (`deploy.release.plan_<planId>`), hosts, keys, IDL and config versions, enrolments. */
export const DeployEventType = {
  /** A plan was accepted: its hosts, batches, target versions and what each host ran before. */
  releaseCreated: 'deploy.ReleaseCreated',
  /** A plan written before release events existed, carried over as it stood. */
  releaseImported: 'deploy.ReleaseImported',
  /** A run of the plan began (first run, or again after a resume or a restart). */
  releaseStarted: 'deploy.ReleaseStarted',
  batchStarted: 'deploy.BatchStarted',
  /** Commands went to the host: install, files, start. */
  instanceStarted: 'deploy.InstanceStarted',
  /** The instance passed the health gate. */
  instanceHealthy: 'deploy.InstanceHealthy',
  instanceFailed: 'deploy.InstanceFailed',
  releasePaused: 'deploy.ReleasePaused',
  releaseResumed: 'deploy.ReleaseResumed',
  rollbackStarted: 'deploy.RollbackStarted',
  instanceRollingBack: 'deploy.InstanceRollingBack',
  instanceRolledBack: 'deploy.InstanceRolledBack',
  /** Every host runs the target; the registry scales these instances out. */
  releaseSucceeded: 'deploy.ReleaseSucceeded',
  releaseRolledBack: 'deploy.ReleaseRolledBack',
  releaseFailed: 'deploy.ReleaseFailed',
  /** A host's heartbeats came (back): it is up. */
  hostUp: 'deploy.HostUp',
  /** A host missed its heartbeats: it is down. */
  hostDown: 'deploy.HostDown',
  /** An operator took a host offline for maintenance: its instances leave routing and it is kept out of new releases. */
  hostTakenOffline: 'deploy.HostTakenOffline',
  /** An operator brought an offline host back: the instances taken out of routing for it are routed again. */
  hostBroughtOnline: 'deploy.HostBroughtOnline',
  /** The console's signing key was replaced; agents that are up were sent the new public key. */
  signingKeyRotated: 'deploy.SigningKeyRotated',
  /** A new IDL version of a service compiled and was stored. */
  idlVersionAdded: 'deploy.IdlVersionAdded',
  /** A new config file version of a service was stored (a rollback stores a copy of an older one); the newest is current. */
  configVersionAdded: 'deploy.ConfigVersionAdded',
  /** A config version was published live: running instances of the service read it within seconds, without a restart. */
  configPublished: 'deploy.ConfigPublished',
  /** A package version was checked and stored (its tarball in the Object Store, or on disk before the Object Store). */
  packageVersionAdded: 'deploy.PackageVersionAdded',
  /** A package version stored on disk before the Object Store was moved into it. */
  packageMovedToObjectStore: 'deploy.PackageMovedToObjectStore',
  /** An admin created a one-time enrolment token for a new host (only its hash is kept). */
  hostEnrollmentCreated: 'deploy.HostEnrollmentCreated',
  /** A host redeemed its enrolment token (once) for its NATS identity and the console key. */
  hostEnrollmentRedeemed: 'deploy.HostEnrollmentRedeemed',
  hostEnrollmentRevoked: 'deploy.HostEnrollmentRevoked',
} as const;
/** One of DeployEventType. */
export type DeployEventType = (typeof DeployEventType)[keyof typeof DeployEventType];

/** Event-store subjects of deploy's aggregates (under the event stream's prefix); a token starts with a letter. */
export const DeployEventSubjects = {
  release: (planId: string): string => `deploy.release.plan_${planId}`,
  releasesAll: 'deploy.release.*',
  host: (hostId: string): string => `deploy.host.host_${hostId}`,
  hostsAll: 'deploy.host.*',
  keys: 'deploy.keys',
  idl: (service: string): string => `deploy.idl.${service}`,
  idlAll: 'deploy.idl.>',
  config: (service: string): string => `deploy.config.${service}`,
  configAll: 'deploy.config.>',
  /** One aggregate per package name (dots become `_`: a subject token may not hold them). */
  package: (name: string): string => `deploy.package.pkg_${name.replace(/\./g, '_')}`,
  packagesAll: 'deploy.package.*',
  enrollment: (id: string): string => `deploy.enrollment.enr_${id}`,
  enrollmentsAll: 'deploy.enrollment.*',
  all: 'deploy.>',
} as const;

/** A plan's content as created (or imported). */
export interface ReleaseCreatedPayload {
  planId: string;
  kind: 'release' | 'rollback';
  service: string;
  port: number;
  target: ReleaseVersions;
  strategy: ReleaseStrategy;
  hosts: ReleaseHostStep[];
  createdAt: number;
}

/** Payloads of a release plan's events, by type. */
export interface ReleaseEventPayloads {
  'deploy.ReleaseCreated': ReleaseCreatedPayload;
  'deploy.ReleaseImported': ReleaseCreatedPayload & {
    state: string;
    error: string | null;
    runNo: number;
    canaryApproved: boolean;
    updatedAt: number;
  };
  'deploy.ReleaseStarted': { planId: string; runNo: number };
  'deploy.BatchStarted': { planId: string; batch: number; hostIds: string[] };
  'deploy.InstanceStarted': { planId: string; hostId: string };
  'deploy.InstanceHealthy': { planId: string; hostId: string };
  'deploy.InstanceFailed': { planId: string; hostId: string; reason: string };
  'deploy.ReleasePaused': { planId: string };
  'deploy.ReleaseResumed': { planId: string; runNo: number };
  'deploy.RollbackStarted': { planId: string; reason: string };
  'deploy.InstanceRollingBack': { planId: string; hostId: string };
  'deploy.InstanceRolledBack': { planId: string; hostId: string };
  'deploy.ReleaseSucceeded': {
    planId: string;
    service: string;
    port: number;
    packageVersion: string;
    hosts: { hostId: string; ip: string }[];
  };
  'deploy.ReleaseRolledBack': { planId: string };
  'deploy.ReleaseFailed': { planId: string; reason: string };
}

/** Payloads of every deploy event, by type. */
export interface DeployEventPayloads extends ReleaseEventPayloads {
  'deploy.HostUp': { hostId: string; ip: string; at: number };
  'deploy.HostDown': { hostId: string; lastSeenAt: number; at: number };
  'deploy.SigningKeyRotated': { keyId: string; previousKeyId: string; overlapSeconds: number; requestedBy: string };
  'deploy.HostEnrollmentCreated': {
    id: string;
    hostId: string;
    tokenHash: string;
    createdAt: number;
    expiresAt: number;
    createdBy: string;
  };
  'deploy.HostEnrollmentRedeemed': { id: string; hostId: string; redeemedAt: number; redeemedFrom: string | null };
  'deploy.HostEnrollmentRevoked': { id: string; revokedAt: number };
  'deploy.PackageVersionAdded': {
    name: string;
    version: string;
    entry: string;
    sha256: string;
    size: number;
    bucket: string | null;
    objectName: string | null;
    createdAt: number;
  };
  'deploy.PackageMovedToObjectStore': { name: string; version: string; bucket: string; objectName: string };
  'deploy.ConfigVersionAdded': { service: string; tag: string; memo: string; content: string; seq: number; createdAt: number };
  'deploy.HostTakenOffline': { hostId: string; ip: string; by: string; reason: string; at: number };
  'deploy.HostBroughtOnline': { hostId: string; ip: string; by: string; at: number };
  'deploy.ConfigPublished': { service: string; tag: string; seq: number; publishedAt: number; publishedBy: string };
  'deploy.IdlVersionAdded': { service: string; tag: string; memo: string; files: Record<string, string>; createdAt: number };
}
