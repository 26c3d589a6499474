import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, credsAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { identityName, natsInboxPrefix, type NatsRole } from '@msec/contracts';
import { NatsAuthority } from '@msec/contracts/nats-authority';
import { requireBinary } from './binaries.js';
import { InfraServer, TEMP_DIR_PREFIX, type ServerKind } from './infra-server.js';
import { natsClientHelpers, OBSERVER_ROLE, probeJetStream, type NatsClientHelpers } from './nats-server.js';
import { freePort, isPortTaken } from './ports.js';

/** Where and how a cluster runs; every field has a default for tests (fresh temporary folder, loopback, free ports). */
export interface NatsClusterOptions {
  /** Number of servers (3 or 5 for replicated streams). */
  size?: number;
  /** Folder of the servers' data (`node-N/` each); kept by `stop()`, removed by `dispose()` only when temporary. */
  dir?: string;
  /** Address clients reach the servers on (routes and monitoring stay on loopback). */
  host?: string;
  /** Client ports, one per server, tried first (a taken one is replaced by a free port). */
  preferredPorts?: readonly number[];
  /** Where the trust chain lives (`<dir>/secrets/nats` when omitted). */
  authDir?: string;
}

/** A NATS cluster of real servers with JetStream, in operator mode like `startNats()`. */
export interface NatsTestCluster extends NatsClientHelpers {
  /** The servers, in start order; kill and restart them one by one to make faults. */
  readonly nodes: readonly InfraServer[];
  /** Every server's URL, comma-separated (what MSEC_NATS_URL holds in a cluster). */
  readonly url: string;
  readonly authority: NatsAuthority;
  /**
   * The index in `nodes` of the server leading the JetStream meta group (the one that places streams and consumers),
   * read from a live server's monitoring endpoint; undefined while none is elected.
   */
  metaLeader(): Promise<number | undefined>;
  /** Stops every server; their data stays for the next start. */
  stop(): Promise<void>;
  /** Stops every server and removes the folder when it was a temporary one. */
  dispose(): Promise<void>;
}

/**
 * Starts `size` nats-servers on loopback routed into one cluster, each with JetStream on its own file store, sharing
 * one trust chain, and waits until JetStream answers on every one (a meta leader is elected).
 */
export async function startNatsCluster(options: NatsClusterOptions | number = {}): Promise<NatsTestCluster> {
  const { size = 3, host = '127.0.0.1', preferredPorts = [], ...where } = typeof options === 'number' ? { size: options } : options;
  const ownsDir = where.dir === undefined;
  const dir = where.dir ?? mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}nats-cluster-`));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authority = await NatsAuthority.open(where.authDir ?? join(dir, 'secrets', 'nats'));
  const optionsFor = async (role: NatsRole, name?: string): Promise<ConnectionOptions> => ({
    authenticator: credsAuthenticator(new TextEncoder().encode(await authority.credsFor(role, name))),
    inboxPrefix: natsInboxPrefix(identityName(role, name)),
  });
  const clientPorts: number[] = [];
  const routePorts: number[] = [];
  /** HTTP monitoring (on the client address): where the meta group's leader is read. */
  const monitorPorts: number[] = [];
  for (let i = 0; i < size; i++) {
    const preferred = preferredPorts[i];
    clientPorts.push(preferred !== undefined && !(await isPortTaken(preferred, host)) ? preferred : await freePort(host));
    routePorts.push(await freePort());
    monitorPorts.push(await freePort(host));
  }
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`).join(', ');
  const kindOf = (index: number): ServerKind => ({
    name: `nats-${index + 1}`,
    defaultReadyTimeoutMs: 30_000,
    prepare: (nodeDir) => {
      // The trust chain's fragment and the cluster block in one file: nats-server resolves `include` relative paths only.
      const config = [
        readFileSync(authority.serverConfigFile, 'utf8'),
        `server_name: msec-node-${index + 1}`,
        `cluster { name: msec-test, listen: 127.0.0.1:${routePorts[index]}, routes: [${routes}] }`,
        '',
      ].join('\n');
      writeFileSync(join(nodeDir, 'node.conf'), config, { mode: 0o600 });
    },
    spec: (nodeDir, host, port) => ({
      name: `nats-${index + 1}`,
      command: requireBinary('nats'),
      args: [
        '-c',
        join(nodeDir, 'node.conf'),
        '-a',
        host,
        '-p',
        String(port),
        '-m',
        String(monitorPorts[index]),
        '-js',
        '-sd',
        join(nodeDir, 'jetstream'),
      ],
      logFile: join(nodeDir, 'nats.log'),
    }),
    probe: (host, port) => probeJetStream(host, port, () => optionsFor(OBSERVER_ROLE)),
    url: (host, port) => `nats://${host}:${port}`,
  });
  // All at once: no server has JetStream until a quorum of them runs.
  const launched = await Promise.allSettled(
    clientPorts.map((port, i) => {
      const nodeDir = join(dir, `node-${i + 1}`);
      mkdirSync(nodeDir, { recursive: true });
      return InfraServer.launch(kindOf(i), { dir: nodeDir, port, host });
    }),
  );
  const nodes = launched.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = launched.find((r) => r.status === 'rejected');
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
  };
  const dispose = async (): Promise<void> => {
    await stop();
    if (ownsDir) rmSync(dir, { recursive: true, force: true });
  };
  if (failed) {
    await dispose();
    throw (failed as PromiseRejectedResult).reason;
  }
  const url = nodes.map((n) => n.url).join(',');
  await untilStreamsReplicate(url, size, () => optionsFor(OBSERVER_ROLE));
  const metaLeader = async (): Promise<number | undefined> => {
    for (const port of monitorPorts) {
      const jsz = await fetch(`http://${host}:${port}/jsz`)
        .then((r) => r.json() as Promise<{ meta_cluster?: { leader?: string } }>)
        .catch(() => undefined);
      const leader = jsz?.meta_cluster?.leader;
      if (leader) return Number(leader.replace('msec-node-', '')) - 1;
    }
    return undefined;
  };
  return {
    nodes,
    url,
    authority,
    metaLeader,
    ...natsClientHelpers(
      () => authority,
      optionsFor,
      () => url,
      () => undefined,
    ),
    stop,
    dispose,
  };
}

/**
 * Waits until a stream with a copy on every server can be placed: JetStream answers as soon as a meta leader is
 * elected, but a replicated stream is refused ("no suitable peers for placement") until every peer has reported in.
 */
async function untilStreamsReplicate(url: string, replicas: number, options: () => Promise<ConnectionOptions>): Promise<void> {
  const nc = await connect({ ...(await options()), servers: url.split(','), name: 'cluster-probe' });
  try {
    const jsm = await jetstreamManager(nc);
    for (const deadline = Date.now() + 30_000; ;) {
      try {
        await jsm.streams.add({ name: 'msec_cluster_probe', subjects: ['msec.test.cluster-probe'], num_replicas: replicas });
        await jsm.streams.delete('msec_cluster_probe');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await nc.close();
  }
}
