import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { InfraServer, type ServerKind, type ServerOptions } from './infra-server.js';
import { redisPongs } from './probes.js';
import type { TestCertificates } from './tls-certificates.js';

/** Options for one redis-server. */
export interface RedisOptions extends ServerOptions {
  /** Start with cluster-enabled yes (an empty cluster node). */
  clusterEnabled?: boolean;
  /**
   * `requirepass` (and `masterauth`, so cluster replicas can sync). Default: a fresh random password, carried in
   * the server's `url` as `redis://:password@host:port`; `null` starts Redis without one.
   */
  password?: string | null;
  /** Serve TLS only (`tls-port`, no plain port) with this certificate; the url becomes `rediss://`. */
  tls?: TestCertificates;
}

function redisKind(clusterEnabled: boolean, password: string | null, tls: TestCertificates | undefined): ServerKind {
  return {
    name: 'redis',
    defaultReadyTimeoutMs: 10_000,
    prepare: (dir, host, port) => {
      const lines = [
        `bind ${host}`,
        ...(tls === undefined
          ? [`port ${port}`]
          : [
              'port 0',
              `tls-port ${port}`,
              `tls-cert-file ${tls.certFile}`,
              `tls-key-file ${tls.keyFile}`,
              `tls-ca-cert-file ${tls.caFile}`,
              // Clients prove themselves with the password, not a certificate.
              'tls-auth-clients no',
            ]),
        `dir ${dir}`,
        'protected-mode no',
        'daemonize no',
        // Append-only with fsync every second: BullMQ jobs survive a Redis restart.
        'appendonly yes',
        'appendfsync everysec',
        'save ""',
      ];
      // Quoted: a password is one argument whatever it holds.
      if (password !== null) lines.push(`requirepass ${JSON.stringify(password)}`, `masterauth ${JSON.stringify(password)}`);
      if (clusterEnabled) lines.push('cluster-enabled yes', `cluster-config-file nodes-${port}.conf`, 'cluster-node-timeout 2000');
      writeFileSync(join(dir, 'redis.conf'), `${lines.join('\n')}\n`);
    },
    spec: (dir) => ({
      name: 'redis',
      command: requireBinary('redis'),
      args: [join(dir, 'redis.conf')],
      logFile: join(dir, 'redis.log'),
    }),
    probe: (host, port) => redisPongs(host, port, password ?? undefined, tls?.caFile),
    url: (host, port) => {
      const scheme = tls === undefined ? 'redis' : 'rediss';
      return password === null ? `${scheme}://${host}:${port}` : `${scheme}://:${encodeURIComponent(password)}@${host}:${port}`;
    },
  };
}

/** Starts redis-server with append-only persistence, a password unless told otherwise, and waits for PONG. */
export function startRedis(options: RedisOptions = {}): Promise<InfraServer> {
  const password = options.password === undefined ? randomBytes(18).toString('base64url') : options.password;
  return InfraServer.launch(redisKind(options.clusterEnabled ?? false, password, options.tls), options);
}

/** The password in a Redis server's `url`, or undefined when it has none. */
export function redisPasswordOf(server: { url: string }): string | undefined {
  const password = new URL(server.url).password;
  return password === '' ? undefined : decodeURIComponent(password);
}
