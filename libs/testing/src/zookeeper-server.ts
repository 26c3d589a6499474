import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary, ZOOKEEPER_JAR_DIR, hasZooKeeper } from './binaries.js';
import { InfraServer, type ServerKind, type ServerOptions } from './infra-server.js';
import { zooKeeperServes } from './probes.js';
import { MsecError } from '@msec/contracts';

const zooKeeperKind: ServerKind = {
  name: 'zookeeper',
  defaultReadyTimeoutMs: 30_000,
  prepare: (dir, host, port) => {
    if (!hasZooKeeper()) {
      throw new MsecError(
        'INFRA_BINARY_MISSING',
        `ZooKeeper jars not found in ${ZOOKEEPER_JAR_DIR}; install them with: apt-get install -y zookeeper`,
        {
          status: 503,
          data: { binary: 'zookeeper', package: 'zookeeper' },
        },
      );
    }
    mkdirSync(join(dir, 'data'), { recursive: true });
    const config = [
      'tickTime=500',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      `clientPortAddress=${host}`,
      // The admin server would take port 8080; nothing here needs it.
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,mntr,stat',
      'maxClientCnxns=0',
      // Short sessions let tests see ephemeral nodes vanish quickly.
      'minSessionTimeout=1000',
      'maxSessionTimeout=60000',
    ].join('\n');
    writeFileSync(join(dir, 'zoo.cfg'), `${config}\n`);
  },
  spec: (dir) => ({
    name: 'zookeeper',
    command: requireBinary('java'),
    args: ['-Xmx256m', '-cp', `${ZOOKEEPER_JAR_DIR}/*`, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(dir, 'zoo.cfg')],
    env: { ...process.env, ZOO_LOG_DIR: dir },
    logFile: join(dir, 'zookeeper.log'),
  }),
  probe: zooKeeperServes,
  url: (host, port) => `${host}:${port}`,
};

/** Starts a standalone ZooKeeper from Debian's jars and waits until it serves (`srvr` reports a mode). */
export function startZooKeeper(options: ServerOptions = {}): Promise<InfraServer> {
  return InfraServer.launch(zooKeeperKind, options);
}
