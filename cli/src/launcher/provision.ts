import { spawnSync } from 'node:child_process';
import { MsecError } from '@msec/contracts';
import { hasZooKeeper, whichBinary } from '@msec/infra';
import { say, bold } from '../output.js';

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** A Debian package the platform needs, and how to tell whether it is present. */
export interface Requirement {
  debianPackage: string;
  present: () => boolean;
  why: string;
}

/** Requirements by name; `up` needs the first three (unless external), `test` all of them. */
export const Requirements = {
  nats: { debianPackage: 'nats-server', present: () => whichBinary('nats-server') !== undefined, why: 'message bus' },
  zookeeper: { debianPackage: 'zookeeper', present: hasZooKeeper, why: 'service routes' },
  redis: {
    debianPackage: 'redis-server',
    present: () => whichBinary('redis-server') !== undefined && whichBinary('redis-cli') !== undefined,
    why: 'jobs and KV',
  },
  mariadb: { debianPackage: 'mariadb-server', present: () => whichBinary('mariadbd') !== undefined, why: 'MySQL tests' },
  chromium: { debianPackage: 'chromium', present: () => whichBinary('chromium') !== undefined, why: 'browser tests' },
  // Hosts in network namespaces (the cluster profile, network fault tests) need root; without it they are not run.
  iproute2: { debianPackage: 'iproute2', present: () => !isRoot() || whichBinary('ip') !== undefined, why: 'hosts in network namespaces' },
  iptables: {
    debianPackage: 'iptables',
    present: () => !isRoot() || whichBinary('iptables') !== undefined,
    why: 'packet loss in fault tests',
  },
  dockerCompose: {
    debianPackage: 'docker-compose',
    present: () => whichBinary('docker-compose') !== undefined,
    why: 'compose file validation',
  },
} as const satisfies Record<string, Requirement>;

/**
 * Makes sure each requirement is installed: installs the missing ones with apt-get (visible progress) when we are
 * root and allowed to, otherwise stops with the exact command to run. Nothing is started before this passes.
 */
export function ensureInstalled(requirements: Requirement[], autoInstall: boolean): void {
  const missing = requirements.filter((r) => !r.present());
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((r) => r.debianPackage))];
  const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  const canInstall = autoInstall && isRoot() && whichBinary('apt-get') !== undefined;
  if (!canInstall) {
    const reason = !autoInstall
      ? 'automatic install is off (MSEC_AUTO_INSTALL=false)'
      : !isRoot()
        ? 'not running as root'
        : 'apt-get not found';
    throw new MsecError(
      'INFRA_BINARY_MISSING',
      `missing ${missing.map((r) => `${r.debianPackage} (${r.why})`).join(', ')}; ${reason}. Install with:\n    sudo ${command}`,
      { status: 503, data: { packages } },
    );
  }
  say(bold(`installing ${packages.join(', ')} with apt-get …`));
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (result.status !== 0) {
      throw new MsecError(
        'INFRA_INSTALL_FAILED',
        `apt-get ${args.join(' ')} failed (exit ${result.status}); run it by hand:\n    ${command}`,
        { status: 503 },
      );
    }
  }
  const stillMissing = requirements.filter((r) => !r.present());
  if (stillMissing.length > 0) {
    throw new MsecError('INFRA_INSTALL_FAILED', `still missing after install: ${stillMissing.map((r) => r.debianPackage).join(', ')}`, {
      status: 503,
    });
  }
}
