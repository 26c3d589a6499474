/** Everything the launcher uses to start real servers, so a test needs one import. */
export * from '@msec/infra';
/** Fresh ZooKeeper digest identities for a test's registry and clients. */
export { zooKeeperIdentities } from './zookeeper-identities.js';
export type { ZooKeeperIdentities } from './zookeeper-identities.js';
export { startRedisNodes, startRedisCluster } from './redis-cluster.js';
export type { RedisNodes, RedisNodesOptions } from './redis-cluster.js';
export { startMariaDb, MARIADB_DATABASE } from './mariadb-server.js';
/** Release packages for agent and deploy tests: a good and a broken server. */
export { GOOD_SERVER, BROKEN_SERVER, buildPackage } from './test-packages.js';
/** Waiting for an agent's next heartbeat (agent and deploy tests). */
export { nextAgentHeartbeat } from './agent-heartbeat.js';
