import type { KvNodeView, KvSlotRange } from '@msec/contracts';

/** Number of hash slots in a Redis Cluster. */
export const SLOT_COUNT = 16384;

/** Parses the text of CLUSTER NODES into node views (replica lists filled in). */
export function parseClusterNodes(text: string): KvNodeView[] {
  const nodes = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map(parseLine);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  for (const node of nodes) {
    if (node.masterId !== null) byId.get(node.masterId)?.replicaIds.push(node.id);
  }
  return nodes;
}

function parseLine(line: string): KvNodeView {
  const fields = line.split(' ');
  if (fields.length < 8) throw new Error(`unexpected CLUSTER NODES line: ${line}`);
  const [id, addressField, flagField, master, , , epoch, link, ...slotFields] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    ...string[],
  ];
  const hostPort = addressField.split('@')[0]!.split(',')[0]!;
  const at = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, at);
  const port = Number(hostPort.slice(at + 1));
  const flags = flagField.split(',').filter((f) => f !== 'noflags');
  const slots: KvSlotRange[] = [];
  const migrating: { slot: number; to: string }[] = [];
  const importing: { slot: number; from: string }[] = [];
  for (const field of slotFields) {
    if (field.startsWith('[')) {
      const body = field.slice(1, -1);
      const mig = body.split('->-');
      if (mig.length === 2) migrating.push({ slot: Number(mig[0]), to: mig[1]! });
      const imp = body.split('-<-');
      if (imp.length === 2) importing.push({ slot: Number(imp[0]), from: imp[1]! });
      continue;
    }
    const [start, end] = field.split('-');
    slots.push({ start: Number(start), end: Number(end ?? start) });
  }
  return {
    id,
    address: hostPort,
    host,
    port,
    flags,
    role: flags.includes('slave') ? 'replica' : 'master',
    masterId: master === '-' ? null : master,
    replicaIds: [],
    configEpoch: Number(epoch),
    linkState: link === 'connected' ? 'connected' : 'disconnected',
    failing: flags.includes('fail') || flags.includes('fail?'),
    slots,
    slotCount: countSlots(slots),
    migrating,
    importing,
  };
}

/** Number of slots in a list of ranges. */
export function countSlots(ranges: readonly KvSlotRange[]): number {
  return ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0);
}

/** Expands ranges into slot numbers, ascending. */
export function expandSlots(ranges: readonly KvSlotRange[]): number[] {
  const slots: number[] = [];
  for (const r of ranges) for (let s = r.start; s <= r.end; s += 1) slots.push(s);
  return slots.sort((a, b) => a - b);
}

/** Compacts slot numbers into ascending inclusive ranges. */
export function toRanges(slots: Iterable<number>): KvSlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const ranges: KvSlotRange[] = [];
  for (const slot of sorted) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.end === slot - 1) last.end = slot;
    else ranges.push({ start: slot, end: slot });
  }
  return ranges;
}

/** Per-node fields CLUSTER SHARDS adds to CLUSTER NODES. */
export interface ShardNodeInfo {
  replicationOffset: number;
  health: string;
  shardId?: string;
}

/** Parses the RESP2 reply of CLUSTER SHARDS into per-node-id details. */
export function parseClusterShards(reply: unknown): Map<string, ShardNodeInfo> {
  const out = new Map<string, ShardNodeInfo>();
  if (!Array.isArray(reply)) return out;
  for (const shard of reply) {
    const shardMap = pairs(shard);
    const shardId = shardMap.get('shard-id');
    const nodes = shardMap.get('nodes');
    if (!Array.isArray(nodes)) continue;
    for (const node of nodes) {
      const n = pairs(node);
      const id = String(n.get('id') ?? '');
      if (!id) continue;
      const info: ShardNodeInfo = {
        replicationOffset: Number(n.get('replication-offset') ?? 0),
        health: String(n.get('health') ?? 'unknown'),
      };
      if (shardId !== undefined) info.shardId = String(shardId);
      out.set(id, info);
    }
  }
  return out;
}

function pairs(value: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (!Array.isArray(value)) return map;
  for (let i = 0; i + 1 < value.length; i += 2) map.set(String(value[i]), value[i + 1]);
  return map;
}
