import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { MsecError } from '@msec/contracts';

/** The real servers the platform runs on, with the Debian package that provides each. */
export const InfraBinary = {
  nats: { command: 'nats-server', debianPackage: 'nats-server' },
  redis: { command: 'redis-server', debianPackage: 'redis-server' },
  redisCli: { command: 'redis-cli', debianPackage: 'redis-tools' },
  java: { command: 'java', debianPackage: 'zookeeper' },
  mariadb: { command: 'mariadbd', debianPackage: 'mariadb-server' },
  mariadbInstall: { command: 'mariadb-install-db', debianPackage: 'mariadb-server' },
} as const;
/** One of the binaries in InfraBinary. */
export type InfraBinaryName = keyof typeof InfraBinary;

/** Where Debian's zookeeper package puts its jars. */
export const ZOOKEEPER_JAR_DIR = '/usr/share/java';

const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/usr/local/bin'];
let searchPathOverride: string[] | undefined;

/** Replaces the folders searched for binaries (the launcher's MSEC_BIN_PATH); undefined restores PATH plus the sbin folders. */
export function setBinarySearchPath(dirs: string[] | undefined): void {
  searchPathOverride = dirs;
}

/** Finds an executable on PATH (and the sbin folders Debian uses for daemons), or undefined. */
export function whichBinary(command: string): string | undefined {
  const dirs = searchPathOverride ?? [...(process.env.PATH ?? '').split(delimiter), ...EXTRA_DIRS].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** True when ZooKeeper's jars and a Java runtime are both present. */
export function hasZooKeeper(): boolean {
  return existsSync(join(ZOOKEEPER_JAR_DIR, 'zookeeper.jar')) && whichBinary('java') !== undefined;
}

/** Resolves a binary or throws INFRA_BINARY_MISSING naming the apt-get command that installs it. */
export function requireBinary(name: InfraBinaryName): string {
  const spec = InfraBinary[name];
  const found = whichBinary(spec.command);
  if (found === undefined) {
    throw new MsecError('INFRA_BINARY_MISSING', `${spec.command} not found; install it with: apt-get install -y ${spec.debianPackage}`, {
      status: 503,
      data: { binary: spec.command, package: spec.debianPackage },
    });
  }
  return found;
}
