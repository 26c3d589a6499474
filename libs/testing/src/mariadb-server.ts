import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { requireBinary, InfraServer, type ServerKind, type ServerOptions } from '@msec/infra';

const run = promisify(execFile);

/** The database every harness MariaDB creates; its URL is `mysql://root@host:port/msec`. */
export const MARIADB_DATABASE = 'msec';

async function mariaDbAnswers(host: string, port: number): Promise<boolean> {
  const connection = await createConnection({ host, port, user: 'root', connectTimeout: 1000 });
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    return true;
  } finally {
    await connection.end();
  }
}

const mariaDbKind: ServerKind = {
  name: 'mariadb',
  defaultReadyTimeoutMs: 60_000,
  prepare: async (dir) => {
    const dataDir = join(dir, 'data');
    if (existsSync(join(dataDir, 'mysql'))) return;
    mkdirSync(dataDir, { recursive: true });
    await run(requireBinary('mariadbInstall'), [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ]);
  },
  spec: (dir, host, port) => ({
    name: 'mariadb',
    command: requireBinary('mariadb'),
    args: [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      `--bind-address=${host}`,
      `--port=${port}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=64M',
      '--innodb-flush-log-at-trx-commit=2',
      ...(process.getuid?.() === 0 ? ['--user=root'] : []),
    ],
    logFile: join(dir, 'mariadb.log'),
  }),
  probe: mariaDbAnswers,
  url: (host, port) => `mysql://root@${host}:${port}/${MARIADB_DATABASE}`,
};

/** Starts a MariaDB server in its own folder (root without password, loopback only) with an `msec` database. */
export function startMariaDb(options: ServerOptions = {}): Promise<InfraServer> {
  return InfraServer.launch(mariaDbKind, options);
}
