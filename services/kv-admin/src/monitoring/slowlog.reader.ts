import { Injectable } from '@nestjs/common';
import type { KvSlowlogEntry } from '@msec/contracts';
import { ClustersDomain } from '../clusters/clusters.domain.js';
import { badInput, nodeNotFound } from '../kv-admin.errors.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { TopologyReader } from '../topology/topology.reader.js';

/** Parses a SLOWLOG GET reply. */
export function parseSlowlog(node: string, reply: unknown): KvSlowlogEntry[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((entry: unknown[]) => ({
    node,
    id: Number(entry[0]),
    at: new Date(Number(entry[1]) * 1000).toISOString(),
    durationMicros: Number(entry[2]),
    command: Array.isArray(entry[3]) ? entry[3].map(String) : [],
    client: String(entry[4] ?? ''),
  }));
}

/** SLOWLOG GET on one node or every node of a cluster, slowest first. */
@Injectable()
export class SlowlogReader {
  constructor(
    private readonly clusters: ClustersDomain,
    private readonly reader: TopologyReader,
    private readonly redis: RedisConnections,
  ) {}

  async get(input: { cluster?: unknown; node?: unknown; count?: unknown }): Promise<KvSlowlogEntry[]> {
    const cluster = await this.clusters.get(input.cluster);
    const count = input.count ?? 20;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000)
      throw badInput('count', 'expected a whole number from 1 to 1000');
    const { nodes } = await this.reader.reachableView(cluster.seeds);
    let targets = nodes.filter((n) => !n.failing && !n.flags.includes('noaddr'));
    if (input.node !== undefined) {
      targets = targets.filter((n) => n.id === input.node || n.address === input.node);
      if (targets.length === 0) throw nodeNotFound(cluster.name, String(input.node));
    }
    const lists = await Promise.all(
      targets.map(async (n) => parseSlowlog(n.address, await this.redis.call(n.address, 'SLOWLOG', 'GET', count))),
    );
    return lists
      .flat()
      .sort((a, b) => b.durationMicros - a.durationMicros)
      .slice(0, count);
  }
}
