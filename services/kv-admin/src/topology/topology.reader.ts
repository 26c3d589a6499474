import { Injectable } from '@nestjs/common';
import type { KvCheckReport, KvNodeView, KvTopology } from '@msec/contracts';
import { KvErrorCode, nodeUnreachable } from '../kv-admin.errors.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { checkCluster } from './cluster-check.js';
import { parseClusterNodes, parseClusterShards } from './cluster-nodes-parser.js';

/** Parses `key:value` lines of INFO / CLUSTER INFO. */
export function parseInfo(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) map.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  return map;
}

/** Reads cluster state from the nodes themselves: CLUSTER NODES, CLUSTER SHARDS, CLUSTER INFO. */
@Injectable()
export class TopologyReader {
  constructor(private readonly redis: RedisConnections) {}

  /** One node's view of the cluster. */
  async nodesView(address: string): Promise<KvNodeView[]> {
    const nodes = parseClusterNodes(await this.redis.text(address, 'CLUSTER', 'NODES'));
    // Every member of a cluster shares its password: the nodes this one knows are reached with the same.
    const password = this.redis.passwordOf(address);
    if (password !== undefined)
      this.redis.usePassword(
        nodes.filter((n) => n.address !== '').map((n) => n.address),
        password,
      );
    return nodes;
  }

  /** CLUSTER INFO of one node. */
  async clusterInfo(address: string): Promise<Map<string, string>> {
    return parseInfo(await this.redis.text(address, 'CLUSTER', 'INFO'));
  }

  /** The first seed that answers and belongs to a cluster (a lone node only when every seed is alone). */
  async reachableView(seeds: readonly string[]): Promise<{ address: string; nodes: KvNodeView[] }> {
    let alone: { address: string; nodes: KvNodeView[] } | undefined;
    let lastError: unknown = new Error('no seed nodes');
    for (const address of seeds) {
      try {
        const nodes = await this.nodesView(address);
        if (nodes.length > 1) return { address, nodes };
        alone ??= { address, nodes };
      } catch (error) {
        // A node that refuses the password says so; another seed of the same cluster would answer the same.
        if ((error as { code?: string }).code === KvErrorCode.nodeAuthFailed) throw error;
        lastError = error;
      }
    }
    if (alone !== undefined) return alone;
    throw nodeUnreachable(seeds.join(','), lastError);
  }

  /** The topology view with CLUSTER SHARDS details merged in. */
  async topology(cluster: string, seeds: readonly string[]): Promise<KvTopology> {
    const { address, nodes } = await this.reachableView(seeds);
    const info = await this.clusterInfo(address);
    try {
      const shards = parseClusterShards(await this.redis.call(address, 'CLUSTER', 'SHARDS'));
      for (const node of nodes) {
        const extra = shards.get(node.id);
        if (extra === undefined) continue;
        node.replicationOffset = extra.replicationOffset;
        node.health = extra.health;
        if (extra.shardId !== undefined) node.shardId = extra.shardId;
      }
    } catch {
      // CLUSTER SHARDS exists from Redis 7; older nodes give the CLUSTER NODES view alone.
    }
    return {
      cluster,
      seenFrom: address,
      fetchedAt: new Date().toISOString(),
      state: info.get('cluster_state') ?? 'unknown',
      currentEpoch: Number(info.get('cluster_current_epoch') ?? 0),
      nodes,
    };
  }

  /** Health check over every node the reachable seed knows. */
  async check(cluster: string, seeds: readonly string[]): Promise<KvCheckReport> {
    const { address, nodes } = await this.reachableView(seeds);
    const info = await this.clusterInfo(address);
    const views = new Map<string, KvNodeView[] | Error>();
    await Promise.all(
      nodes
        .filter((n) => !n.flags.includes('noaddr'))
        .map(async (n) => {
          try {
            views.set(n.address, await this.nodesView(n.address));
          } catch (error) {
            views.set(n.address, error instanceof Error ? error : new Error(String(error)));
          }
        }),
    );
    return checkCluster({ cluster, clusterState: info.get('cluster_state') ?? 'unknown', views });
  }
}
