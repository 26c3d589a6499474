import { join } from 'node:path';
import { isPortTaken, freePort, startNats, startRedis, startZooKeeper, type InfraServer, type ServerOptions } from '@msec/infra';
import type { NatsAuthority } from '@msec/contracts/nats-authority';
import type { LauncherConfig } from '../launcher-config.js';
import type { MsecHome } from '../paths.js';
import type { InfraAddresses } from './component-catalog.js';
import { withoutPassword, type ZkRedisSecrets } from './zk-redis-secrets.js';

/** Conventional ports, used when free so URLs stay the same between runs. */
const PREFERRED_PORT = { nats: 4222, zookeeper: 2181, redis: 6379 } as const;

async function portFor(preferred: number): Promise<number> {
  return (await isPortTaken(preferred)) ? freePort() : preferred;
}

/** The servers the launcher started itself (external ones are absent). */
export interface LaunchedInfra {
  servers: InfraServer[];
  addresses: InfraAddresses;
  /** The NATS trust chain when the launched nats-server requires credentials. */
  natsAuthority: NatsAuthority | undefined;
}

/**
 * Starts nats-server, ZooKeeper and redis-server on loopback with their data under `.msec/infra/`, unless the
 * configuration points at external ones. On any failure, what was already started is stopped again.
 */
export async function launchInfra(
  config: LauncherConfig,
  home: MsecHome,
  onStarted: (server: InfraServer) => void,
  secrets: Pick<ZkRedisSecrets, 'redisPassword'>,
): Promise<LaunchedInfra> {
  const servers: InfraServer[] = [];
  const start = async (name: keyof typeof PREFERRED_PORT, starter: (options: ServerOptions) => Promise<InfraServer>): Promise<string> => {
    const server = await starter({ dir: join(home.infra, name), port: await portFor(PREFERRED_PORT[name]) });
    servers.push(server);
    onStarted(server);
    return server.url;
  };
  try {
    let natsAuthority: NatsAuthority | undefined;
    const natsUrl =
      config.natsUrl ||
      (await start('nats', async (options) => {
        const server = await startNats({ ...options, auth: config.natsAuth, authDir: home.natsSecrets });
        natsAuthority = server.authority;
        return server;
      }));
    const zkConnect = config.zkConnect || (await start('zookeeper', startZooKeeper));
    // The password travels apart from the URL (MSEC_REDIS_PASSWORD), so the URL can be shown and stored.
    const redisUrl = config.redisUrl || withoutPassword(await start('redis', (o) => startRedis({ ...o, password: secrets.redisPassword })));
    const redisPassword = config.redisUrl ? config.redisPassword : secrets.redisPassword;
    const redisTlsCa = config.redisUrl ? config.redisTlsCa : '';
    return { servers, addresses: { natsUrl, zkConnect, redisUrl, redisPassword, redisTlsCa, dbUrl: config.dbUrl }, natsAuthority };
  } catch (error) {
    await stopInfra(servers);
    throw error;
  }
}

/** Stops launched servers in reverse start order; their data stays for the next run. */
export async function stopInfra(servers: InfraServer[]): Promise<void> {
  for (const server of [...servers].reverse()) await server.stop();
}
