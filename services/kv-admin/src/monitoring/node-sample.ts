import type { KvNodeSample } from '@msec/contracts';
import { StatKind, type StatItem } from '@msec/contracts';
import { parseInfo } from '../topology/topology.reader.js';

/** Cumulative counters kept between samples to turn totals into per-interval ratios. */
export interface HitCounters {
  hits: number;
  misses: number;
}

/** Builds a sample from INFO text; the hit ratio covers the lookups since `previous`. */
export function sampleFromInfo(
  cluster: string,
  node: string,
  nodeId: string,
  infoText: string,
  previous: HitCounters | undefined,
  at: Date,
): { sample: KvNodeSample; counters: HitCounters } {
  const info = parseInfo(infoText);
  const num = (key: string): number => Number(info.get(key) ?? 0) || 0;
  const counters = { hits: num('keyspace_hits'), misses: num('keyspace_misses') };
  const restarted = previous !== undefined && (counters.hits < previous.hits || counters.misses < previous.misses);
  const base = previous === undefined || restarted ? { hits: 0, misses: 0 } : previous;
  const hits = counters.hits - base.hits;
  const lookups = hits + counters.misses - base.misses;
  let keys = 0;
  for (const [key, value] of info) {
    if (/^db\d+$/.test(key)) keys += Number(/keys=(\d+)/.exec(value)?.[1] ?? 0);
  }
  const sample: KvNodeSample = {
    cluster,
    node,
    nodeId,
    role: info.get('role') === 'slave' ? 'replica' : (info.get('role') ?? 'unknown'),
    opsPerSec: num('instantaneous_ops_per_sec'),
    usedMemoryBytes: num('used_memory'),
    keys,
    clients: num('connected_clients'),
    hitRatio: lookups > 0 ? hits / lookups : null,
    replicationOffset: info.get('role') === 'slave' ? num('slave_repl_offset') || num('master_repl_offset') : num('master_repl_offset'),
    at: at.toISOString(),
  };
  return { sample, counters };
}

/** Monitor service name of a cluster's attributes (`KV.<cluster>`, dots kept out of the second part). */
export function monitorServiceOf(cluster: string): string {
  return `KV.${cluster.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

/** Monitor attributes of one sample: gauges kept as the minute's last value, rates as the minute's mean. */
export function sampleStatItems(sample: KvNodeSample): StatItem[] {
  const minute = Math.floor(Date.parse(sample.at) / 60_000);
  const items: StatItem[] = [
    ['kv.ops_per_sec', minute, StatKind.avg, sample.opsPerSec, 1],
    ['kv.used_memory_bytes', minute, StatKind.last, sample.usedMemoryBytes, 1],
    ['kv.keys', minute, StatKind.last, sample.keys, 1],
    ['kv.clients', minute, StatKind.last, sample.clients, 1],
    ['kv.repl_offset', minute, StatKind.last, sample.replicationOffset, 1],
  ];
  if (sample.hitRatio !== null) items.push(['kv.hit_ratio_pct', minute, StatKind.avg, Math.round(sample.hitRatio * 10_000) / 100, 1]);
  return items;
}
