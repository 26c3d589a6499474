import { Schema, s, type JsonSchema } from '../http/schema.js';

type Issues = Parameters<Schema<unknown>['run']>[2];

/** A cluster name as kv-admin accepts it. */
export const clusterName = s.string({
  min: 1,
  max: 64,
  pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/,
  hint: 'must be 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit, e.g. main',
});

const HOST_PORT = /^[a-zA-Z0-9][a-zA-Z0-9.-]*:\d{1,5}$/;
/** `host:port` of a Redis node. */
export const nodeAddress = s.string({ min: 3, max: 260, pattern: HOST_PORT, hint: 'must be host:port, e.g. 127.0.0.1:7000' });
/** A node as the topology names it: its 40-hex id or its `host:port`. */
export const nodeRef = s
  .string({
    min: 3,
    max: 260,
    pattern: /^([0-9a-f]{40}|[a-zA-Z0-9][a-zA-Z0-9.-]*:\d{1,5})$/,
    hint: 'must be a node id or host:port from the topology',
  })
  .describe('node id or host:port from the topology');

/** The confirmation every destructive request carries: the cluster name, typed again. */
const confirm = s.string({ min: 1, max: 64 }).describe('the cluster name, typed again to confirm');

/** A list of 1..`max` distinct `host:port` strings. */
function addressList(min: number, max: number): Schema<string[]> {
  return new Schema<string[]>(
    (v, path, issues: Issues) => {
      if (!Array.isArray(v) || v.length < min || v.length > max) {
        issues.push({ path, message: `must list ${min} to ${max} nodes as "host:port", e.g. ["127.0.0.1:7000"]` });
        return undefined;
      }
      const seen = new Set<string>();
      const out: string[] = [];
      v.forEach((item, i) => {
        const parsed = nodeAddress.run(item, [...path, String(i)], issues);
        if (parsed === undefined) return;
        if (seen.has(parsed)) issues.push({ path: [...path, String(i)], message: `${parsed} is listed twice` });
        seen.add(parsed);
        out.push(parsed);
      });
      return out;
    },
    { type: 'array', minItems: min, maxItems: max, items: nodeAddress.json },
  );
}

/** Rebalance weights: node id or host:port → a number ≥ 0 (0 drains a master). */
const weights = new Schema<Record<string, number>>(
  (v, path, issues: Issues) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      issues.push({ path, message: 'must be an object of node id or host:port → weight, e.g. {"127.0.0.1:7000": 2}' });
      return undefined;
    }
    const out: Record<string, number> = {};
    for (const [key, w] of Object.entries(v as Record<string, unknown>)) {
      if (nodeRef.run(key, [...path, key], issues) === undefined) continue;
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 1000) {
        issues.push({ path: [...path, key], message: 'must be a number from 0 to 1000 (0 drains the master)' });
        continue;
      }
      out[key] = w;
    }
    return out;
  },
  {
    type: 'object',
    additionalProperties: { type: 'number', minimum: 0, maximum: 1000 },
    description: 'node id or host:port → weight (default 1; 0 drains a master)',
  } satisfies JsonSchema,
);

/** POST /kv/clusters: register an existing cluster. */
/** A cluster's requirepass: sent once, stored encrypted by kv-admin, never returned. */
const clusterPassword = s
  .string({ min: 1, max: 512 })
  .describe("the cluster's Redis password (requirepass); stored encrypted, never returned")
  .optional();
export const registerBody = s.object({
  name: clusterName,
  seeds: addressList(1, 50).describe('any reachable nodes of the cluster'),
  password: clusterPassword,
});
/** POST /kv/clusters/create: form a cluster from empty nodes. */
export const createBody = s.object({
  name: clusterName,
  nodes: addressList(3, 500).describe('empty cluster-enabled redis-server nodes'),
  replicasPerMaster: s.int({ min: 0, max: 5 }).describe('replicas per master; nodes / (replicas + 1) must be at least 3'),
  password: clusterPassword,
});
/** DELETE /kv/clusters/{cluster}. */
export const confirmBody = s.object({ confirm });
/** POST /kv/clusters/{cluster}/masters. */
export const addMasterBody = s.object({ node: nodeAddress });
/** POST /kv/clusters/{cluster}/replicas. */
export const addReplicaBody = s.object({
  node: nodeAddress,
  master: nodeRef.optional().describe('master to follow (default: the one with fewest replicas)'),
});
/** POST /kv/clusters/{cluster}/nodes/remove and /failover. */
export const nodeConfirmBody = s.object({ node: nodeRef, confirm });
/** POST /kv/clusters/{cluster}/rebalance. */
export const rebalanceBody = s.object({ confirm, weights: weights.optional() });
/** An operation id (a UUID or similar opaque id). */
export const operationId = s.string({
  min: 1,
  max: 64,
  pattern: /^[A-Za-z0-9_-]+$/,
  hint: 'must be the id returned when the operation started',
});
/** GET /kv/clusters/{cluster}/operations. */
export const operationsQuery = s.object({
  limit: s.int({ min: 1, max: 200 }).optional().describe('items per page, 1..200, default 50'),
  cursor: s.string({ min: 1, max: 200 }).optional().describe("opaque: the previous page's nextCursor"),
});
/** GET /kv/clusters/{cluster}/slowlog. */
export const slowlogQuery = s.object({
  node: nodeRef.optional().describe('one node (default: every node)'),
  count: s.int({ min: 1, max: 1000 }).optional().describe('entries per node, default 20'),
});
/** GET /kv/clusters/{cluster}/keys. */
export const keyQuery = s.object({
  key: s.string({ min: 1, max: 1024 }).describe('the key to look up'),
  maxBytes: s.int({ min: 1, max: 4096 }).optional().describe('bytes of a value or element shown (default 256)'),
  maxElements: s.int({ min: 1, max: 200 }).optional().describe('elements of a collection shown (default 20)'),
});
