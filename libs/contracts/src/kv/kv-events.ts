import type { KvOperationKind, KvOperationStatus } from './kv-types.js';

/** kv-admin event types, appended to the event stream under `kv-admin.clusters`. */
export const KvEventType = {
  clusterRegistered: 'kv-admin.ClusterRegistered',
  clusterSeedsChanged: 'kv-admin.ClusterSeedsChanged',
  clusterUnregistered: 'kv-admin.ClusterUnregistered',
  operationQueued: 'kv-admin.OperationQueued',
  operationStarted: 'kv-admin.OperationStarted',
  operationProgressed: 'kv-admin.OperationProgressed',
  operationSucceeded: 'kv-admin.OperationSucceeded',
  operationFailed: 'kv-admin.OperationFailed',
  operationResumed: 'kv-admin.OperationResumed',
  operationImported: 'kv-admin.OperationImported',
} as const;
/** One of KvEventType. */
export type KvEventType = (typeof KvEventType)[keyof typeof KvEventType];

/** Event-store subjects (under the event stream) of kv-admin's events. */
export const KvEventSubjects = {
  /** Every cluster registration change: one aggregate, so a name is registered once across kv-admin processes. */
  clusters: 'kv-admin.clusters',
  /** The run of one operation: its starts and progress (queueing, ending and resuming are under `clusters`). */
  operation: (operationId: string): string => `kv-admin.operation.op_${operationId}`,
  /** Every kv-admin event. */
  all: 'kv-admin.>',
} as const;

/** Payloads by kv-admin event type. */
export interface KvEventPayloads {
  'kv-admin.ClusterRegistered': {
    name: string;
    seeds: string[];
    hasPassword: boolean;
    /**
     * Where kv-admin keeps the cluster's sealed password (its own table), or null without one: the password, even
     * sealed, stays out of events that reach automation subscribers.
     */
    passwordRef: string | null;
  };
  'kv-admin.ClusterSeedsChanged': { name: string; seeds: string[] };
  'kv-admin.ClusterUnregistered': { name: string };
  'kv-admin.OperationQueued': { operationId: string; cluster: string; kind: KvOperationKind; params: Record<string, unknown> };
  'kv-admin.OperationStarted': { operationId: string; cluster: string; run: number };
  'kv-admin.OperationProgressed': {
    operationId: string;
    cluster: string;
    percent: number;
    step: string;
    message: string;
    /** The operation's checkpoint (plan, completed steps): what a resumed run continues from. */
    state: Record<string, unknown>;
  };
  'kv-admin.OperationSucceeded': { operationId: string; cluster: string; state: Record<string, unknown> };
  'kv-admin.OperationFailed': { operationId: string; cluster: string; error: string };
  'kv-admin.OperationResumed': { operationId: string; cluster: string };
  'kv-admin.OperationImported': {
    operationId: string;
    cluster: string;
    kind: KvOperationKind;
    status: KvOperationStatus;
    params: Record<string, unknown>;
    state: Record<string, unknown>;
    percent: number;
    step: string;
    message: string;
    error: string | null;
    runs: number;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
  };
}
