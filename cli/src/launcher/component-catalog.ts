import { join } from 'node:path';
import { hostname } from 'node:os';
import { COMPONENTS_IN_START_ORDER, Component, NatsRole, Subjects } from '@msec/contracts';
import { type NatsAuthority } from '@msec/contracts/nats-authority';
import { REPO_ROOT, type MsecHome } from '../paths.js';
import type { ZkRedisSecrets } from './zk-redis-secrets.js';

/** ZooKeeper identities and the Redis password, given only to the components that need them. */
export function secretEnv(name: Component, home: MsecHome, infra: InfraAddresses, secrets: ZkRedisSecrets): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (name === Component.registry) {
    env.MSEC_ZK_AUTH = secrets.zkRegistry;
    env.MSEC_ZK_READER_AUTH = secrets.zkReader;
    env.MSEC_ZK_SERVICE_SECRET = secrets.zkServiceSecret;
  }
  // Deploy hands each instance it starts its own svc-<Service> identity and the reader: never the registry's.
  if (name === Component.deploy) {
    env.MSEC_ZK_READER_AUTH = secrets.zkReader;
    env.MSEC_ZK_SERVICE_SECRET = secrets.zkServiceSecret;
  }
  if (name === Component.kvAdmin) env.MSEC_KV_SECRET_KEY_FILE = join(home.root, 'secrets', 'kv-admin.key');
  if (name === Component.deploy || name === Component.kvAdmin) {
    env.MSEC_REDIS_PASSWORD = infra.redisPassword;
    env.MSEC_REDIS_TLS_CA = infra.redisTlsCa;
  }
  return env;
}

/** Addresses of the infrastructure the services are pointed at. */
export interface InfraAddresses {
  natsUrl: string;
  zkConnect: string;
  redisUrl: string;
  /** Password of that Redis ('' when it has none). */
  redisPassword: string;
  /** CA verifying that Redis over TLS ('' for none or the system CAs). */
  redisTlsCa: string;
  dbUrl: string;
}

/** One platform process the launcher runs. */
export interface ServiceLaunch {
  name: Component;
  entry: string;
  env: NodeJS.ProcessEnv;
  healthSubject: string;
  /** Node flags before the entry. */
  nodeArgs: string[];
}

/**
 * Node flags of the host agent: a 1 MiB young generation keeps it near 60 MB resident (Node's default reserves far
 * more for a process that allocates little). start-agent.sh and docker-compose.yml pass the same flag.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

function entryOf(component: Component): string {
  return component === Component.agent
    ? join(REPO_ROOT, 'agent', 'dist', 'src', 'main.js')
    : join(REPO_ROOT, 'services', component, 'dist', 'src', 'main.js');
}

/** This host's id: the host name, with characters a NATS subject token cannot hold replaced by '-'. */
export function localHostId(): string {
  return hostname().replace(/[^A-Za-z0-9_-]/g, '-');
}

/** What differs between the single-machine stack and the cluster profile. */
export interface LaunchProfile {
  /** Run an agent for this machine (the cluster profile's hosts run their own, in their namespaces). */
  localAgent: boolean;
  /** Copies of every stream and KV bucket (`MSEC_STREAM_REPLICAS`); the services' default (1) when absent. */
  streamReplicas?: number;
}

/**
 * Every platform service and the local agent, in start order, with the environment each reads. With a NATS
 * authority each gets its own identity's .creds file, and deploy the account seed it mints business identities with.
 */
export async function platformLaunches(
  home: MsecHome,
  infra: InfraAddresses,
  http: { host: string; port: number },
  secrets: ZkRedisSecrets,
  nats: NatsAuthority | undefined,
  profile: LaunchProfile = { localAgent: true },
): Promise<ServiceLaunch[]> {
  const shared: NodeJS.ProcessEnv = {
    ...process.env,
    MSEC_NATS_URL: infra.natsUrl,
    MSEC_ZK_CONNECT: infra.zkConnect,
    MSEC_REDIS_URL: infra.redisUrl,
    MSEC_DB_URL: infra.dbUrl,
    MSEC_DATA_DIR: home.data,
    // Each component's own identity below; never the CLI's (admin) creds from the launcher's environment.
    MSEC_NATS_CREDS: '',
    MSEC_NATS_ACCOUNT_SEED: '',
    NO_COLOR: '1',
    ...(profile.streamReplicas !== undefined ? { MSEC_STREAM_REPLICAS: String(profile.streamReplicas) } : {}),
  };
  const hostId = localHostId();
  // The CLI's own identity (health probes, the flight demo's release, ./msec status).
  if (nats) await nats.ensureCredsFile(NatsRole.admin);
  const launches: ServiceLaunch[] = [];
  for (const name of COMPONENTS_IN_START_ORDER) {
    if (name === Component.agent && !profile.localAgent) continue;
    const env: NodeJS.ProcessEnv = { ...shared, ...secretEnv(name, home, infra, secrets) };
    if (nats) {
      env.MSEC_NATS_CREDS =
        name === Component.agent ? await nats.ensureCredsFile(NatsRole.agent, hostId) : await nats.ensureCredsFile(name);
      if (name === Component.deploy) env.MSEC_NATS_ACCOUNT_SEED = nats.accountSeedFile;
    }
    if (name === Component.gateway) {
      env.MSEC_HTTP_HOST = http.host;
      env.MSEC_HTTP_PORT = String(http.port);
    }
    if (name === Component.agent) {
      env.MSEC_HOST_ID = hostId;
      // The local agent's instances serve this machine only: callers reach them on loopback.
      env.MSEC_HOST_IP = '127.0.0.1';
      env.MSEC_AGENT_DIR = join(home.root, 'agent');
      env.MSEC_CONSOLE_KEY = join(home.data, 'keys', 'console.pub');
    }
    const nodeArgs = name === Component.agent ? [...AGENT_NODE_FLAGS] : [];
    launches.push({ name, entry: entryOf(name), env, healthSubject: Subjects.health(name), nodeArgs });
  }
  return launches;
}
