/** Lifecycle of a release plan. */
export const ReleaseState = {
  created: 'created',
  running: 'running',
  paused: 'paused',
  succeeded: 'succeeded',
  rollingBack: 'rolling-back',
  rolledBack: 'rolled-back',
  failed: 'failed',
} as const;
/** One state of a release plan. */
export type ReleaseState = (typeof ReleaseState)[keyof typeof ReleaseState];

/** Lifecycle of one host inside a plan. */
export const ReleaseHostState = {
  pending: 'pending',
  changing: 'changing',
  done: 'done',
  failed: 'failed',
  rollingBack: 'rolling-back',
  rolledBack: 'rolled-back',
} as const;
/** One state of a host inside a plan. */
export type ReleaseHostState = (typeof ReleaseHostState)[keyof typeof ReleaseHostState];

/** How a plan walks its hosts. */
export interface ReleaseStrategy {
  /** First host alone, then the rest in batches. */
  canary: boolean;
  /** Hosts per batch after the canary (at least 1). */
  batchSize: number;
  /** Stop after the canary until `msec.deploy.release.resume`. */
  pauseAfterCanary: boolean;
  /** Health gate: the instance must still run, not restarted, this long after it started. */
  stabilizeMs: number;
  /** How long an instance may take to accept connections. */
  healthTimeoutMs: number;
}

/** What a host ran before a plan changed it (null: nothing; rollback stops the instance). */
export interface ReleaseVersions {
  packageName: string;
  packageVersion: string;
  configTag: string | null;
  idlTag: string | null;
}

/** One host's step of a plan. */
export interface ReleaseHostStep {
  hostId: string;
  ip: string;
  batch: number;
  state: ReleaseHostState;
  error: string | null;
  previous: ReleaseVersions | null;
}

/** Reply of `msec.deploy.release.get` / `.create`. */
export interface ReleasePlanView {
  planId: string;
  kind: 'release' | 'rollback';
  service: string;
  port: number;
  target: ReleaseVersions;
  strategy: ReleaseStrategy;
  state: ReleaseState;
  error: string | null;
  hosts: ReleaseHostStep[];
  createdAt: number;
  updatedAt: number;
}

/** Published on `msec.events.deploy.progress` at every step. */
export interface ReleaseProgressEvent {
  planId: string;
  service: string;
  state: ReleaseState;
  hostId: string | null;
  hostState: ReleaseHostState | null;
  done: number;
  total: number;
  message: string;
  at: number;
}

/** Published on `msec.events.deploy.released` when a plan succeeded; the registry scales these instances out. */
export interface ReleasedEvent {
  planId: string;
  service: string;
  port: number;
  packageVersion: string;
  hosts: { hostId: string; ip: string }[];
}
