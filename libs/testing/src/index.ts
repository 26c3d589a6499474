/** Free loopback ports. */
export { freePort, isPortTaken } from './ports.js';
/** Locating the Debian binaries the platform runs on. */
export { InfraBinary, ZOOKEEPER_JAR_DIR, whichBinary, setBinarySearchPath, hasZooKeeper, requireBinary } from './binaries.js';
export type { InfraBinaryName } from './binaries.js';
/** Child processes with log files and readiness waits. */
export { ManagedProcess, waitUntilReady } from './managed-process.js';
export type { ProcessSpec } from './managed-process.js';
/** A real server on loopback that can be stopped, killed and restarted. */
export { InfraServer, TEMP_DIR_PREFIX } from './infra-server.js';
export type { ServerOptions, ServerKind } from './infra-server.js';
/** Readiness probes spoken in each server's own protocol. */
export { tcpExchange, zooKeeperIsOk, zooKeeperServes, redisPongs } from './probes.js';
/** Starters for each real server. */
export { startNats } from './nats-server.js';
export type { NatsServerOptions, NatsTestServer } from './nats-server.js';
export { startNatsCluster } from './nats-cluster.js';
export type { NatsTestCluster } from './nats-cluster.js';
export { startZooKeeper, startZooKeeperEnsemble } from './zookeeper-server.js';
export type { ZooKeeperEnsemble } from './zookeeper-server.js';
/** Fresh ZooKeeper digest identities for a test's registry and clients. */
export { zooKeeperIdentities } from './zookeeper-identities.js';
export type { ZooKeeperIdentities } from './zookeeper-identities.js';
export { startRedis, redisPasswordOf } from './redis-server.js';
/** A throw-away CA and server certificate made with openssl, for TLS tests. */
export { createTestCertificates } from './tls-certificates.js';
export type { TestCertificates } from './tls-certificates.js';
export type { RedisOptions } from './redis-server.js';
export { startRedisNodes, startRedisCluster } from './redis-cluster.js';
export type { RedisNodes, RedisNodesOptions } from './redis-cluster.js';
export { startMariaDb, MARIADB_DATABASE } from './mariadb-server.js';
/** Release packages (tar.gz with manifest.json) for agent and deploy tests. */
export { GOOD_SERVER, BROKEN_SERVER, buildPackage, packServiceFolder, packageFiles, folderDigest } from './test-packages.js';
export type { PackageManifest, BuiltPackage } from './test-packages.js';
/** Waiting for an agent's next heartbeat (agent and deploy tests). */
export { nextAgentHeartbeat } from './agent-heartbeat.js';
