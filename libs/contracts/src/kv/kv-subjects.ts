/** NATS subjects of the KV administration API (request/reply, answered by kv-admin) and its events. */
export const KvSubjects = {
  /** Register an existing cluster by seed nodes. */
  clustersRegister: 'msec.kv.clusters.register',
  /** Form a new cluster from empty nodes (an operation). */
  clustersCreate: 'msec.kv.clusters.create',
  /** List registered clusters. */
  clustersList: 'msec.kv.clusters.list',
  /** Forget a registered cluster (confirm required; the Redis nodes are untouched). */
  clustersUnregister: 'msec.kv.clusters.unregister',
  /** Topology view parsed from CLUSTER NODES / CLUSTER SHARDS. */
  clustersTopology: 'msec.kv.clusters.topology',
  /** Health check like `redis-cli --cluster check`. */
  clustersCheck: 'msec.kv.clusters.check',
  /** Join an empty node as a master without slots (an operation). */
  nodesAddMaster: 'msec.kv.nodes.add-master',
  /** Join an empty node as a replica (an operation). */
  nodesAddReplica: 'msec.kv.nodes.add-replica',
  /** Move a node's slots away, then forget it on every node (an operation, confirm required). */
  nodesRemove: 'msec.kv.nodes.remove',
  /** Manual failover: a replica takes over its master (an operation, confirm required). */
  nodesFailover: 'msec.kv.nodes.failover',
  /** Move slots so masters hold them evenly (or by weight) (an operation, confirm required). */
  slotsRebalance: 'msec.kv.slots.rebalance',
  /** One operation with its progress. */
  operationsGet: 'msec.kv.operations.get',
  /** Operation history of a cluster, newest first. */
  operationsList: 'msec.kv.operations.list',
  /** Run a failed or interrupted operation again from its recorded state (confirm required). */
  operationsResume: 'msec.kv.operations.resume',
  /** Latest per-node sample (ops/s, memory, keys, clients, hit ratio, replication offset). */
  monitorLatest: 'msec.kv.monitor.latest',
  /** SLOWLOG GET of one node or every node. */
  slowlogGet: 'msec.kv.slowlog.get',
  /** Read-only key lookup with size guards. */
  keysInspect: 'msec.kv.keys.inspect',
  /** Empty the cluster registrations table and replay kv-admin's events (admin). */
  rebuild: 'msec.kv.rebuild',
  /** Event: live progress of an operation (core NATS publish). */
  progressEvent: 'msec.events.kv.progress',
  /** Telemetry: per-node samples, used until the monitor service publishes its report contract. */
  telemetry: 'msec.telemetry.kv',
} as const;
/** One of the KV subjects. */
export type KvSubject = (typeof KvSubjects)[keyof typeof KvSubjects];

/** Closed sets of the KV API, re-exported beside the subjects. */
export { KvOperationKind, KvOperationStatus } from './kv-types.js';
