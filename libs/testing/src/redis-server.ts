import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { InfraServer, type ServerKind, type ServerOptions } from './infra-server.js';
import { redisPongs } from './probes.js';

/** Options for one redis-server. */
export interface RedisOptions extends ServerOptions {
  /** Start with cluster-enabled yes (an empty cluster node). */
  clusterEnabled?: boolean;
}

function redisKind(clusterEnabled: boolean): ServerKind {
  return {
    name: 'redis',
    defaultReadyTimeoutMs: 10_000,
    prepare: (dir, host, port) => {
      const lines = [
        `bind ${host}`,
        `port ${port}`,
        `dir ${dir}`,
        'protected-mode no',
        'daemonize no',
        // Append-only with fsync every second: BullMQ jobs survive a Redis restart.
        'appendonly yes',
        'appendfsync everysec',
        'save ""',
      ];
      if (clusterEnabled) lines.push('cluster-enabled yes', `cluster-config-file nodes-${port}.conf`, 'cluster-node-timeout 2000');
      writeFileSync(join(dir, 'redis.conf'), `${lines.join('\n')}\n`);
    },
    spec: (dir) => ({
      name: 'redis',
      command: requireBinary('redis'),
      args: [join(dir, 'redis.conf')],
      logFile: join(dir, 'redis.log'),
    }),
    probe: redisPongs,
    url: (host, port) => `redis://${host}:${port}`,
  };
}

/** Starts redis-server with append-only persistence and waits for PONG. */
export function startRedis(options: RedisOptions = {}): Promise<InfraServer> {
  return InfraServer.launch(redisKind(options.clusterEnabled ?? false), options);
}
