import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, MsecError, type HostEnrollmentCreated } from '@msec/contracts';
import {
  removeNetnsHosts,
  startNatsCluster,
  startNetnsHosts,
  startRedis,
  startZooKeeperEnsemble,
  type InfraServer,
  type NetnsHosts,
} from '@msec/infra';
import { natsRequest } from '@msec/platform';
import type { LauncherConfig } from '../launcher-config.js';
import { REPO_ROOT, type MsecHome } from '../paths.js';
import { buildAgentArchive } from '../packaging/agent-archive.js';
import type { InfraAddresses } from './component-catalog.js';
import type { LaunchedInfra } from './infra-launcher.js';
import { withoutPassword, type ZkRedisSecrets } from './zk-redis-secrets.js';

/** How many of each the cluster profile runs: three NATS servers, three ZooKeeper members, three hosts. */
export const CLUSTER_SIZE = 3;
/** Every stream and KV bucket keeps a copy on each NATS server. */
export const CLUSTER_STREAM_REPLICAS = 3;

/** Conventional client ports of the cluster's servers, used when free. */
const PREFERRED_PORTS = { nats: [4222, 4223, 4224], zookeeper: [2181, 2182, 2183], redis: 6379 } as const;

/** Refuses the cluster profile where it cannot run, saying how to run it. */
export function checkClusterProfile(config: LauncherConfig): void {
  // Root is checked here, before anything is installed; `ip` itself comes with the requirements (iproute2).
  if (process.getuid?.() !== 0)
    throw new MsecError(
      'CLUSTER_NEEDS_ROOT',
      'the cluster profile runs each of its three hosts in its own network namespace, which needs root: run `sudo ./msec up --cluster`, or `./msec up` for the single-machine stack',
      { status: 403, data: { field: 'cluster' } },
    );
  for (const [key, value] of [
    ['natsUrl', config.natsUrl],
    ['zkConnect', config.zkConnect],
    ['redisUrl', config.redisUrl],
  ] as const)
    if (value)
      throw new MsecError(
        'CLUSTER_EXTERNAL_SERVERS',
        `${key} is set (${value}): the cluster profile starts its own servers; unset it for --cluster, or run ./msec up against your servers`,
        { status: 400, data: { field: key } },
      );
}

/**
 * The network of a home's cluster: the same names and /24 every time (derived from the home's path), so `down` finds
 * what a killed launcher left and hosts keep their addresses between runs.
 */
export function clusterNetworkOf(home: MsecHome): { id: string; net: string } {
  const digest = createHash('sha256').update(home.root).digest();
  return { id: `c${digest.toString('hex').slice(0, 5)}`, net: `10.${200 + (digest[3]! % 50)}.${digest[4]!}` };
}

/** Makes the cluster's bridge and host namespaces, first removing any a killed launcher of this home left. */
export function startClusterNetwork(home: MsecHome): NetnsHosts {
  const { id, net } = clusterNetworkOf(home);
  removeNetnsHosts(id, CLUSTER_SIZE);
  return startNetnsHosts(CLUSTER_SIZE, { id, net });
}

/**
 * Starts a 3-node NATS cluster with JetStream, a 3-member ZooKeeper ensemble and Redis, all listening on the bridge
 * (where the hosts reach them, and this machine too), with their data under `.msec/infra/`. On any failure, what
 * was already started is stopped again.
 */
export async function launchClusterInfra(
  home: MsecHome,
  net: NetnsHosts,
  onStarted: (server: InfraServer, kind: 'nats' | 'zookeeper' | 'redis') => void,
  secrets: Pick<ZkRedisSecrets, 'redisPassword'>,
): Promise<LaunchedInfra> {
  const servers: InfraServer[] = [];
  const host = net.bridgeIp;
  try {
    const nats = await startNatsCluster({
      size: CLUSTER_SIZE,
      dir: join(home.infra, 'nats-cluster'),
      host,
      preferredPorts: PREFERRED_PORTS.nats,
      authDir: home.natsSecrets,
    });
    for (const node of nats.nodes) {
      servers.push(node);
      onStarted(node, 'nats');
    }
    const zookeeper = await startZooKeeperEnsemble({
      size: CLUSTER_SIZE,
      dir: join(home.infra, 'zookeeper-ensemble'),
      host,
      preferredPorts: PREFERRED_PORTS.zookeeper,
    });
    for (const member of zookeeper.members) {
      servers.push(member);
      onStarted(member, 'zookeeper');
    }
    const redis = await startRedis({
      dir: join(home.infra, 'redis'),
      host,
      port: PREFERRED_PORTS.redis,
      password: secrets.redisPassword,
    }).catch(() => startRedis({ dir: join(home.infra, 'redis'), host, password: secrets.redisPassword }));
    servers.push(redis);
    onStarted(redis, 'redis');
    const addresses: InfraAddresses = {
      natsUrl: nats.url,
      zkConnect: zookeeper.url,
      redisUrl: withoutPassword(redis.url),
      redisPassword: secrets.redisPassword,
      redisTlsCa: '',
      dbUrl: '',
    };
    return { servers, addresses, natsAuthority: nats.authority };
  } catch (error) {
    for (const server of [...servers].reverse()) await server.stop().catch(() => undefined);
    throw error;
  }
}

/** One host of the cluster: its agent, run from the agent archive inside the host's namespace. */
export interface ClusterHostLaunch {
  hostId: string;
  ip: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The host id of the cluster's n-th host (1-based). */
export const clusterHostId = (n: number): string => `host-${n}`;

/**
 * Prepares the three hosts as an operator adds machines: `./msec package agent`'s archive unpacked (one copy: the
 * hosts share this machine's disk), and for each host not enrolled yet a one-time token. Each agent then runs
 * `start-agent.sh` in its namespace, reaching NATS and the second gateway over the bridge.
 */
export async function prepareClusterHosts(
  nc: NatsConnection,
  home: MsecHome,
  net: NetnsHosts,
  addresses: InfraAddresses,
  gatewayOnBridge: string,
): Promise<ClusterHostLaunch[]> {
  const clusterDir = join(home.root, 'cluster');
  const unpacked = join(clusterDir, 'agent-package');
  mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const archive = join(clusterDir, 'msec-agent.tar.gz');
  buildAgentArchive(REPO_ROOT, archive);
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
  rmSync(archive, { force: true });
  const startScript = join(unpacked, 'msec-agent', 'start-agent.sh');
  const launches: ClusterHostLaunch[] = [];
  for (const [index, host] of net.hosts.entries()) {
    const hostId = clusterHostId(index + 1);
    const stateDir = join(clusterDir, 'hosts', hostId);
    const args = ['--dir', stateDir, '--ip', host.ip, '--nats', addresses.natsUrl];
    if (!existsSync(join(stateDir, 'enrolment', 'enrolment.json'))) {
      const created = await natsRequest<HostEnrollmentCreated>(
        nc,
        DeploySubjects.hostsEnroll,
        { hostId, ttlMinutes: 10, actor: { user: 'msec-launcher', role: 'admin' } },
        10_000,
      );
      args.push('--gateway', gatewayOnBridge, '--enroll', created.token);
    }
    const { command, args: inNamespace } = host.commandLine('/bin/sh', [startScript, ...args]);
    launches.push({
      hostId,
      ip: host.ip,
      command,
      args: inNamespace,
      // What a fresh machine's agent has: PATH, and the cluster's ZooKeeper and replica count for its instances.
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        MSEC_ZK_CONNECT: addresses.zkConnect,
        MSEC_STREAM_REPLICAS: String(CLUSTER_STREAM_REPLICAS),
      },
    });
  }
  return launches;
}
