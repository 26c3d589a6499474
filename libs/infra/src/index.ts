// Starting and probing the real servers the platform runs on, and packing service folders: what the CLI's launcher
// uses in production. Tests reach the same code through @msec/testing.
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
export { tcpExchange, tcpConnects, zooKeeperIsOk, zooKeeperServes, redisPongs } from './probes.js';
/** Starters for each real server. */
export { startNats, natsClientHelpers, OBSERVER_ROLE, probeJetStream } from './nats-server.js';
export type { NatsServerOptions, NatsTestServer, NatsClientHelpers } from './nats-server.js';
export { startZooKeeper, startZooKeeperEnsemble } from './zookeeper-server.js';
export type { ZooKeeperEnsemble, ZooKeeperEnsembleOptions } from './zookeeper-server.js';
export { startRedis, redisPasswordOf } from './redis-server.js';
export type { RedisOptions } from './redis-server.js';
/** A throw-away CA and server certificate made with openssl (NATS with TLS). */
export { createTestCertificates } from './tls-certificates.js';
export type { TestCertificates } from './tls-certificates.js';
/** Release packages (tar.gz with manifest.json) made from a built service folder. */
export { packServiceFolder, packageFiles, folderDigest } from './service-package.js';
export type { PackageManifest, BuiltPackage } from './service-package.js';
/** A NATS cluster and hosts in network namespaces: the cluster profile of `./msec up --cluster` and the fault tests. */
export { startNatsCluster } from './nats-cluster.js';
export type { NatsClusterOptions, NatsTestCluster } from './nats-cluster.js';
export { startNetnsHosts, canMakeNetnsHosts, netnsNames, removeNetnsHosts } from './netns-hosts.js';
export type { NetnsHost, NetnsHosts, NetnsHostsOptions } from './netns-hosts.js';
