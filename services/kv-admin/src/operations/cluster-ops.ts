import type { KvNodeView } from '@msec/contracts';
import { nodeNotEmpty, stepFailed } from '../kv-admin.errors.js';
import { parseNodeAddress } from '../redis/node-address.js';
import type { RedisConnections } from '../redis/redis-connections.js';
import type { TopologyReader } from '../topology/topology.reader.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Idempotent cluster building blocks shared by the operations: each step can run again after an interruption. */
export class ClusterOps {
  constructor(
    readonly redis: RedisConnections,
    readonly reader: TopologyReader,
    private readonly waitTimeoutMs = 30_000,
  ) {}

  /** Polls until check() returns a value, or fails naming what it waited for. */
  async waitFor<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
    const deadline = Date.now() + this.waitTimeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      try {
        const value = await check();
        if (value !== undefined && value !== false) return value;
      } catch (error) {
        lastError = error;
      }
      await sleep(100);
    }
    const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
    throw stepFailed(what, `not reached within ${this.waitTimeoutMs} ms${reason}`);
  }

  /** The node's own id. */
  async myId(address: string): Promise<string> {
    return this.redis.text(address, 'CLUSTER', 'MYID');
  }

  /** The node's own line of CLUSTER NODES. */
  async myself(address: string): Promise<KvNodeView> {
    const view = await this.reader.nodesView(address);
    const me = view.find((n) => n.flags.includes('myself'));
    if (me === undefined) throw stepFailed('read node', `${address} did not report itself in CLUSTER NODES`);
    return me;
  }

  /** Fails unless the node is a cluster node that knows no other node, owns no slot and holds no key. */
  async assertEmpty(address: string): Promise<void> {
    const info = await this.reader.clusterInfo(address).catch((error: Error) => {
      if (/cluster support disabled/i.test(error.message)) return new Map<string, string>();
      throw error;
    });
    if (!info.has('cluster_known_nodes')) throw nodeNotEmpty(address, 'cluster support is disabled; start it with cluster-enabled yes');
    if (Number(info.get('cluster_known_nodes')) > 1)
      throw nodeNotEmpty(address, `it already knows ${info.get('cluster_known_nodes')} nodes`);
    if (Number(info.get('cluster_slots_assigned')) > 0) throw nodeNotEmpty(address, 'it owns slots');
    const keys = Number(await this.redis.call(address, 'DBSIZE'));
    if (keys > 0) throw nodeNotEmpty(address, `it holds ${keys} keys`);
  }

  /** Introduces `address` to the cluster through `via` and waits until both sides list it as a connected node. */
  async meet(via: string, address: string): Promise<void> {
    const id = await this.myId(address);
    const known = (await this.reader.nodesView(via)).some((n) => n.id === id);
    if (!known) {
      const { host, port } = parseNodeAddress(address, 'node');
      await this.redis.call(via, 'CLUSTER', 'MEET', host, port);
    }
  }

  /** Waits until every node lists every other node (by id), none in handshake. */
  async waitAllKnow(addresses: readonly string[]): Promise<void> {
    const ids = await Promise.all(addresses.map((a) => this.myId(a)));
    await this.waitFor('nodes to learn about each other', async () => {
      for (const address of addresses) {
        const view = await this.reader.nodesView(address);
        const seen = new Set(view.filter((n) => !n.flags.includes('handshake')).map((n) => n.id));
        if (!ids.every((id) => seen.has(id))) return false;
      }
      return true;
    });
  }

  /** Makes `replica` replicate `masterId` unless it already does. */
  async replicate(replica: string, masterId: string): Promise<void> {
    await this.waitFor(`${replica} to know master ${masterId}`, async () =>
      (await this.reader.nodesView(replica)).some((n) => n.id === masterId),
    );
    const me = await this.myself(replica);
    if (me.masterId === masterId) return;
    // A replica syncs over its own connection to the master: with a password it needs masterauth.
    const password = this.redis.passwordOf(replica);
    if (password !== undefined) await this.redis.call(replica, 'CONFIG', 'SET', 'masterauth', password);
    await this.redis.call(replica, 'CLUSTER', 'REPLICATE', masterId);
  }

  /** Waits until every member's CLUSTER NODES lists `replica` as a replica of `masterId` (gossip lags the replica's own view). */
  async waitReplicaKnown(members: readonly string[], replica: string, masterId: string): Promise<void> {
    const replicaId = await this.myId(replica);
    await this.waitFor(`every node to see ${replica} replicating ${masterId}`, async () => {
      for (const address of members) {
        const view = await this.reader.nodesView(address);
        const node = view.find((n) => n.id === replicaId);
        if (node === undefined || node.role !== 'replica' || node.masterId !== masterId) return false;
      }
      return true;
    });
  }

  /** Waits until every node reports cluster_state:ok and the same slot map. */
  async waitHealthy(addresses: readonly string[]): Promise<void> {
    await this.waitFor('cluster_state:ok on every node with one slot map', async () => {
      const signatures = new Set<string>();
      for (const address of addresses) {
        const info = await this.reader.clusterInfo(address);
        if (info.get('cluster_state') !== 'ok') return false;
        const view = await this.reader.nodesView(address);
        signatures.add(
          view
            .filter((n) => n.role === 'master' && n.slotCount > 0)
            .map((n) => `${n.id}:${n.slots.map((r) => `${r.start}-${r.end}`).join(',')}`)
            .sort()
            .join('|'),
        );
      }
      return signatures.size === 1;
    });
  }

  /** Addresses of every node a member sees (skipping noaddr/failing handshakes). */
  async memberAddresses(via: string): Promise<string[]> {
    return (await this.reader.nodesView(via))
      .filter((n) => !n.flags.includes('noaddr') && !n.flags.includes('handshake'))
      .map((n) => n.address);
  }
}
