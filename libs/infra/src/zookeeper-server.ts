import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary, ZOOKEEPER_JAR_DIR, hasZooKeeper } from './binaries.js';
import { InfraServer, TEMP_DIR_PREFIX, type ServerKind, type ServerOptions } from './infra-server.js';
import { freePort, isPortTaken } from './ports.js';
import { tcpExchange, zooKeeperServes } from './probes.js';
import { MsecError } from '@msec/contracts';

/** One member of an ensemble: its id (myid) and the quorum lines `server.N=host:peer:election` of all members. */
interface EnsembleMember {
  id: number;
  servers: readonly string[];
}

/** A ZooKeeper server kind: standalone, or a member of an ensemble. */
function zooKeeperKind(member?: EnsembleMember): ServerKind {
  return {
    name: member ? `zookeeper-${member.id}` : 'zookeeper',
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
        ...(member ? member.servers : []),
      ].join('\n');
      writeFileSync(join(dir, 'zoo.cfg'), `${config}\n`);
      if (member) writeFileSync(join(dir, 'data', 'myid'), `${member.id}\n`);
    },
    spec: (dir) => ({
      name: member ? `zookeeper-${member.id}` : 'zookeeper',
      command: requireBinary('java'),
      args: ['-Xmx256m', '-cp', `${ZOOKEEPER_JAR_DIR}/*`, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', join(dir, 'zoo.cfg')],
      env: { ...process.env, ZOO_LOG_DIR: dir },
      logFile: join(dir, 'zookeeper.log'),
    }),
    probe: zooKeeperServes,
    url: (host, port) => `${host}:${port}`,
  };
}

/** Starts a standalone ZooKeeper from Debian's jars and waits until it serves (`srvr` reports a mode). */
export function startZooKeeper(options: ServerOptions = {}): Promise<InfraServer> {
  return InfraServer.launch(zooKeeperKind(), options);
}

/** Where an ensemble runs; defaults for tests: a fresh temporary folder, loopback, free ports. */
export interface ZooKeeperEnsembleOptions {
  size?: number;
  /** Folder of the members' data (`member-N/` each); removed by `dispose()` only when temporary. */
  dir?: string;
  /** Address clients reach the members on (the quorum's own ports stay on loopback). */
  host?: string;
  /** Client ports, one per member, tried first (a taken one is replaced by a free port). */
  preferredPorts?: readonly number[];
}

/** A ZooKeeper ensemble of real servers. */
export interface ZooKeeperEnsemble {
  readonly members: readonly InfraServer[];
  /** Every member's host:port, comma-separated (a connect string). */
  readonly url: string;
  /** The member that leads now (asks each with `srvr`); undefined during an election. */
  leader(): Promise<InfraServer | undefined>;
  /** Stops every member; the data stays for the next start. */
  stop(): Promise<void>;
  /** Stops every member and removes the folder when it was a temporary one. */
  dispose(): Promise<void>;
}

/** Starts `size` ZooKeeper servers as one ensemble and waits until each serves (a leader is elected). */
export async function startZooKeeperEnsemble(options: ZooKeeperEnsembleOptions | number = {}): Promise<ZooKeeperEnsemble> {
  const { size = 3, host = '127.0.0.1', preferredPorts = [], dir: givenDir } = typeof options === 'number' ? { size: options } : options;
  const dir = givenDir ?? mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}zk-ensemble-`));
  const clientPorts: number[] = [];
  for (let i = 0; i < size; i++) {
    const preferred = preferredPorts[i];
    clientPorts.push(preferred !== undefined && !(await isPortTaken(preferred, host)) ? preferred : await freePort(host));
  }
  const quorumPorts = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
  const servers = clientPorts.map((_, i) => `server.${i + 1}=127.0.0.1:${quorumPorts[i]}:${quorumPorts[size + i]}`);
  // All at once: no member serves until a quorum of them runs.
  const launched = await Promise.allSettled(
    clientPorts.map((port, i) => {
      const memberDir = join(dir, `member-${i + 1}`);
      mkdirSync(memberDir, { recursive: true });
      return InfraServer.launch(zooKeeperKind({ id: i + 1, servers }), { dir: memberDir, port, host });
    }),
  );
  const members = launched.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = launched.find((r) => r.status === 'rejected');
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.stop().catch(() => undefined)));
  };
  const dispose = async (): Promise<void> => {
    await stop();
    if (givenDir === undefined) rmSync(dir, { recursive: true, force: true });
  };
  if (failed) {
    await dispose();
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    members,
    url: members.map((m) => `${m.host}:${m.port}`).join(','),
    leader: async () => {
      for (const member of members) {
        const answer = await tcpExchange(member.host, member.port, 'srvr').catch(() => '');
        if (answer.includes('Mode: leader')) return member;
      }
      return undefined;
    },
    stop,
    dispose,
  };
}
