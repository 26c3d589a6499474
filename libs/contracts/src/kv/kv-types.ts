/** Kinds of KV operations; each runs as one BullMQ job, one at a time per cluster. */
export const KvOperationKind = {
  create: 'create',
  addMaster: 'add-master',
  addReplica: 'add-replica',
  rebalance: 'rebalance',
  removeNode: 'remove-node',
  failover: 'failover',
} as const;
/** One KV operation kind. */
export type KvOperationKind = (typeof KvOperationKind)[keyof typeof KvOperationKind];

/** Lifecycle of a KV operation. */
export const KvOperationStatus = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
} as const;
/** One KV operation status. */
export type KvOperationStatus = (typeof KvOperationStatus)[keyof typeof KvOperationStatus];

/** An inclusive range of hash slots. */
export interface KvSlotRange {
  start: number;
  end: number;
}

/** A registered cluster. */
export interface KvClusterSummary {
  name: string;
  /** host:port seed nodes. */
  seeds: string[];
  createdAt: string;
  /** True when kv-admin holds a password for the cluster (the password itself is never returned). */
  hasPassword: boolean;
}

/** One node of the topology view. */
export interface KvNodeView {
  id: string;
  /** host:port the cluster announces. */
  address: string;
  host: string;
  port: number;
  flags: string[];
  role: 'master' | 'replica';
  masterId: string | null;
  /** Replica ids of a master. */
  replicaIds: string[];
  configEpoch: number;
  linkState: 'connected' | 'disconnected';
  /** True when flagged fail or fail?. */
  failing: boolean;
  slots: KvSlotRange[];
  slotCount: number;
  migrating: { slot: number; to: string }[];
  importing: { slot: number; from: string }[];
  /** From CLUSTER SHARDS (Redis 7+): replication offset and health as the node reports them. */
  replicationOffset?: number;
  health?: string;
  shardId?: string;
}

/** The topology of a cluster as one reachable node sees it. */
export interface KvTopology {
  cluster: string;
  /** The node whose view this is. */
  seenFrom: string;
  fetchedAt: string;
  state: string;
  currentEpoch: number;
  nodes: KvNodeView[];
}

/** Result of a health check like `redis-cli --cluster check`. */
export interface KvCheckReport {
  cluster: string;
  ok: boolean;
  clusterState: string;
  /** True when every reachable node reports the same slot map. */
  nodesAgree: boolean;
  coveredSlots: number;
  uncoveredSlots: KvSlotRange[];
  openSlots: { node: string; slot: number; state: 'migrating' | 'importing'; peer: string }[];
  unreachable: string[];
  errors: string[];
  warnings: string[];
}

/** A KV operation with its progress, as queried and listed. */
export interface KvOperationView {
  id: string;
  cluster: string;
  kind: KvOperationKind;
  status: KvOperationStatus;
  params: Record<string, unknown>;
  percent: number;
  step: string;
  message: string;
  error: string | null;
  /** How many times the job was started (more than one after a restart or resume). */
  runs: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Live progress published on `msec.events.kv.progress`. */
export interface KvProgressEvent {
  operationId: string;
  cluster: string;
  kind: KvOperationKind;
  status: KvOperationStatus;
  percent: number;
  step: string;
  message: string;
  at: string;
}

/** One INFO sample of one node. */
export interface KvNodeSample {
  cluster: string;
  node: string;
  nodeId: string;
  role: string;
  opsPerSec: number;
  usedMemoryBytes: number;
  keys: number;
  clients: number;
  /** keyspace hits / (hits + misses) since the previous sample (or since start when none); null without lookups. */
  hitRatio: number | null;
  replicationOffset: number;
  at: string;
}

/** One SLOWLOG entry. */
export interface KvSlowlogEntry {
  node: string;
  id: number;
  at: string;
  durationMicros: number;
  command: string[];
  client: string;
}

/** Read-only view of one key, bounded by the request's size guards. */
export interface KvKeyInspection {
  cluster: string;
  key: string;
  node: string;
  slot: number;
  exists: boolean;
  type: string;
  /** Milliseconds to live; -1 without expiry, -2 when missing. */
  ttlMs: number;
  memoryBytes: number | null;
  /** String length in bytes or number of elements. */
  size: number;
  preview: KvValuePreview;
}

/** A bounded preview of a value. */
export type KvValuePreview =
  | { kind: 'none' }
  | { kind: 'string'; value: string; truncated: boolean }
  | { kind: 'elements'; items: { field?: string; value: string; score?: number }[]; truncated: boolean };

/** Requests of the KV NATS API. */
export interface KvRegisterRequest {
  name: string;
  seeds: string[];
}
/** Request of `msec.kv.clusters.create`. */
export interface KvCreateClusterRequest {
  name: string;
  nodes: string[];
  replicasPerMaster: number;
}
/** A request naming a cluster. */
export interface KvClusterRequest {
  cluster: string;
}
/** A destructive request: confirm must equal the cluster name. */
export interface KvConfirmedRequest extends KvClusterRequest {
  confirm: string;
}
/** Request of `msec.kv.nodes.add-master`. */
export interface KvAddMasterRequest extends KvClusterRequest {
  node: string;
}
/** Request of `msec.kv.nodes.add-replica`; master (id or host:port) defaults to the master with fewest replicas. */
export interface KvAddReplicaRequest extends KvClusterRequest {
  node: string;
  master?: string;
}
/** Request of `msec.kv.nodes.remove`. */
export interface KvRemoveNodeRequest extends KvConfirmedRequest {
  node: string;
}
/** Request of `msec.kv.nodes.failover`: node is a replica, or a master (its first healthy replica takes over). */
export interface KvFailoverRequest extends KvConfirmedRequest {
  node: string;
}
/** Request of `msec.kv.slots.rebalance`; weights by node id or host:port (default 1, 0 drains a master). */
export interface KvRebalanceRequest extends KvConfirmedRequest {
  weights?: Record<string, number>;
}
/** Request of `msec.kv.operations.get` and `.resume` (resume also needs confirm). */
export interface KvOperationRequest {
  operationId: string;
  confirm?: string;
}
/** Request of `msec.kv.operations.list`. */
export interface KvOperationListRequest extends KvClusterRequest {
  limit?: number;
}
/** Request of `msec.kv.slowlog.get`. */
export interface KvSlowlogRequest extends KvClusterRequest {
  node?: string;
  count?: number;
}
/** Request of `msec.kv.keys.inspect`. */
export interface KvKeyRequest extends KvClusterRequest {
  key: string;
  /** Bytes of a string value or of each element shown (default 256, max 4096). */
  maxBytes?: number;
  /** Elements shown of a collection (default 20, max 200). */
  maxElements?: number;
}
/** Reply of operation-starting requests. */
export interface KvOperationStarted {
  operation: KvOperationView;
}
