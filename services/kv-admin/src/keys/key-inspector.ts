import { Injectable } from '@nestjs/common';
import type { KvKeyInspection, KvValuePreview } from '@msec/contracts';
import { ClustersDomain } from '../clusters/clusters.domain.js';
import { badInput, clusterUnhealthy } from '../kv-admin.errors.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { TopologyReader } from '../topology/topology.reader.js';

const MAX_KEY_BYTES = 1024;
/** SCAN rounds at most per preview, so a sparse huge set cannot keep a request busy. */
const MAX_SCAN_ROUNDS = 10;

type Call = (...args: (string | number)[]) => Promise<unknown>;

function boundedInt(value: unknown, field: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw badInput(field, `expected a whole number from 1 to ${max}`);
  return value;
}

function cut(value: unknown, maxBytes: number): string {
  const bytes = Buffer.from(String(value));
  return bytes.length > maxBytes ? bytes.subarray(0, maxBytes).toString() : bytes.toString();
}

/** Read-only key lookup: TYPE, PTTL, MEMORY USAGE and a bounded preview (never KEYS, never a full HGETALL/SMEMBERS). */
@Injectable()
export class KeyInspector {
  constructor(
    private readonly clusters: ClustersDomain,
    private readonly reader: TopologyReader,
    private readonly redis: RedisConnections,
  ) {}

  async inspect(input: { cluster?: unknown; key?: unknown; maxBytes?: unknown; maxElements?: unknown }): Promise<KvKeyInspection> {
    const cluster = await this.clusters.get(input.cluster);
    if (typeof input.key !== 'string' || input.key.length === 0 || Buffer.byteLength(input.key) > MAX_KEY_BYTES)
      throw badInput('key', `expected a non-empty key of at most ${MAX_KEY_BYTES} bytes`);
    const key = input.key;
    const maxBytes = boundedInt(input.maxBytes, 'maxBytes', 256, 4096);
    const maxElements = boundedInt(input.maxElements, 'maxElements', 20, 200);
    const { address: via, nodes } = await this.reader.reachableView(cluster.seeds);
    const slot = Number(await this.redis.call(via, 'CLUSTER', 'KEYSLOT', key));
    const owner = nodes.find((n) => n.role === 'master' && n.slots.some((r) => r.start <= slot && slot <= r.end));
    if (owner === undefined) throw clusterUnhealthy(cluster.name, `slot ${slot} of key has no master`);
    let node = owner.address;
    let call = this.direct(node);
    let type: string;
    try {
      type = String(await call('TYPE', key));
    } catch (error) {
      // A migrating slot answers ASK for keys already moved; a stale view gets MOVED. Follow once.
      const redirect = /^(ASK|MOVED) \d+ (\S+)/.exec(error instanceof Error ? error.message : '');
      if (redirect === null) throw error;
      node = redirect[2]!;
      call = redirect[1] === 'ASK' ? this.asking(node) : this.direct(node);
      type = String(await call('TYPE', key));
    }
    const base = { cluster: cluster.name, key, node, slot };
    if (type === 'none') return { ...base, exists: false, type, ttlMs: -2, memoryBytes: null, size: 0, preview: { kind: 'none' } };
    const ttlMs = Number(await call('PTTL', key));
    const memory = await call('MEMORY', 'USAGE', key, 'SAMPLES', 5).catch(() => null);
    const { size, preview } = await this.preview(call, type, key, maxBytes, maxElements);
    return { ...base, exists: true, type, ttlMs, memoryBytes: memory === null ? null : Number(memory), size, preview };
  }

  private direct(node: string): Call {
    return (...args) => this.redis.call(node, String(args[0]), ...args.slice(1));
  }

  /** Commands on an importing node: ASKING and the command go in one pipeline, so nothing runs between them. */
  private asking(node: string): Call {
    const client = this.redis.client(node);
    return async (...args) => {
      const [, reply] =
        (await client
          .pipeline()
          .call('ASKING')
          .call(String(args[0]), ...args.slice(1))
          .exec()) ?? [];
      if (reply?.[0]) throw reply[0];
      return reply?.[1];
    };
  }

  private async preview(
    call: Call,
    type: string,
    key: string,
    maxBytes: number,
    n: number,
  ): Promise<{ size: number; preview: KvValuePreview }> {
    switch (type) {
      case 'string': {
        const size = Number(await call('STRLEN', key));
        return {
          size,
          preview: { kind: 'string', value: cut(await call('GETRANGE', key, 0, maxBytes - 1), maxBytes), truncated: size > maxBytes },
        };
      }
      case 'list': {
        const size = Number(await call('LLEN', key));
        const items = ((await call('LRANGE', key, 0, n - 1)) as unknown[]).map((v) => ({ value: cut(v, maxBytes) }));
        return { size, preview: { kind: 'elements', items, truncated: size > items.length } };
      }
      case 'set': {
        const size = Number(await call('SCARD', key));
        const items = (await this.scan(call, 'SSCAN', key, n)).map((v) => ({ value: cut(v, maxBytes) }));
        return { size, preview: { kind: 'elements', items, truncated: size > items.length } };
      }
      case 'hash': {
        const size = Number(await call('HLEN', key));
        const flat = await this.scan(call, 'HSCAN', key, n * 2);
        const items: { field: string; value: string }[] = [];
        for (let i = 0; i + 1 < flat.length && items.length < n; i += 2)
          items.push({ field: cut(flat[i], maxBytes), value: cut(flat[i + 1], maxBytes) });
        return { size, preview: { kind: 'elements', items, truncated: size > items.length } };
      }
      case 'zset': {
        const size = Number(await call('ZCARD', key));
        const flat = (await call('ZRANGE', key, 0, n - 1, 'WITHSCORES')) as unknown[];
        const items: { value: string; score: number }[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) items.push({ value: cut(flat[i], maxBytes), score: Number(flat[i + 1]) });
        return { size, preview: { kind: 'elements', items, truncated: size > items.length } };
      }
      case 'stream': {
        const size = Number(await call('XLEN', key));
        const entries = (await call('XRANGE', key, '-', '+', 'COUNT', n)) as [string, unknown[]][];
        const items = entries.map(([id, fields]) => ({ field: id, value: cut(JSON.stringify(fields), maxBytes) }));
        return { size, preview: { kind: 'elements', items, truncated: size > items.length } };
      }
      default:
        return { size: 0, preview: { kind: 'none' } };
    }
  }

  /** SSCAN/HSCAN until `want` entries or the cursor wraps, at most MAX_SCAN_ROUNDS calls. */
  private async scan(
    call: (...args: (string | number)[]) => Promise<unknown>,
    command: string,
    key: string,
    want: number,
  ): Promise<unknown[]> {
    const out: unknown[] = [];
    let cursor = '0';
    for (let round = 0; round < MAX_SCAN_ROUNDS; round += 1) {
      const [next, batch] = (await call(command, key, cursor, 'COUNT', Math.max(10, want))) as [string, unknown[]];
      out.push(...batch);
      cursor = String(next);
      if (cursor === '0' || out.length >= want) break;
    }
    return out.slice(0, want);
  }
}
