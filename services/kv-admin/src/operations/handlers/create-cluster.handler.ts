import { SLOT_COUNT } from '../../topology/cluster-nodes-parser.js';
import { parseNodeAddress } from '../../redis/node-address.js';
import type { OperationHandler, OperationRun } from './operation-run.js';

interface CreateParams {
  nodes: string[];
  replicasPerMaster: number;
}

interface CreateState {
  validated?: boolean;
  masters?: string[];
  replicas?: { address: string; master: string }[];
}

/**
 * Spreads masters across hosts (nodes interleaved host by host), then hands the remaining nodes out round-robin
 * starting one master further on, so a replica lands on a different host than its master whenever hosts allow.
 * Nodes beyond masters × (replicas + 1) become extra replicas.
 */
export function assignRoles(
  nodes: readonly string[],
  replicasPerMaster: number,
): { masters: string[]; replicas: { address: string; master: string }[] } {
  const byHost = new Map<string, string[]>();
  for (const node of nodes) {
    const host = parseNodeAddress(node, 'nodes').host;
    byHost.set(host, [...(byHost.get(host) ?? []), node]);
  }
  const interleaved: string[] = [];
  const queues = [...byHost.values()];
  while (queues.some((q) => q.length > 0)) for (const q of queues) if (q.length > 0) interleaved.push(q.shift()!);
  const masterCount = Math.floor(nodes.length / (replicasPerMaster + 1));
  const masters = interleaved.slice(0, masterCount);
  const replicas = interleaved.slice(masterCount).map((address, j) => ({ address, master: masters[(j + 1) % masterCount]! }));
  return { masters, replicas };
}

/** Slot range of master i of n: contiguous and even. */
export function masterRange(i: number, n: number): { start: number; end: number } {
  return { start: Math.floor((i * SLOT_COUNT) / n), end: Math.floor(((i + 1) * SLOT_COUNT) / n) - 1 };
}

/** Forms a cluster from empty nodes: set epochs, MEET, ADDSLOTSRANGE, REPLICATE, wait for cluster_state:ok. */
export const createClusterHandler: OperationHandler = async (generic) => {
  const run = generic as unknown as OperationRun<CreateParams, CreateState>;
  const { ops, params, state } = run;
  const nodes = params.nodes;
  if (!state.validated) {
    await run.report(2, 'validate', `checking ${nodes.length} nodes are empty`, true);
    for (const node of nodes) await ops.assertEmpty(node);
    Object.assign(state, assignRoles(nodes, params.replicasPerMaster), { validated: true });
    // Distinct config epochs avoid collisions between masters that all start at epoch 0.
    await Promise.all(nodes.map((n, i) => ops.redis.call(n, 'CLUSTER', 'SET-CONFIG-EPOCH', i + 1).catch(() => undefined)));
    await run.report(5, 'validate', `${state.masters!.length} masters, ${state.replicas!.length} replicas planned`, true);
  }
  const masters = state.masters!;
  const replicas = state.replicas!;
  await run.report(10, 'meet', `introducing ${nodes.length} nodes`, true);
  for (const node of nodes.slice(1)) await ops.meet(nodes[0]!, node);
  await ops.waitAllKnow(nodes);
  await run.report(40, 'add-slots', `assigning ${SLOT_COUNT} slots to ${masters.length} masters`, true);
  for (const [i, master] of masters.entries()) {
    const range = masterRange(i, masters.length);
    const me = await ops.myself(master);
    const owned = me.slots.some((r) => r.start === range.start && r.end === range.end);
    if (!owned) await ops.redis.call(master, 'CLUSTER', 'ADDSLOTSRANGE', range.start, range.end);
  }
  await run.report(60, 'replicate', `attaching ${replicas.length} replicas`, true);
  const masterIds = new Map(await Promise.all(masters.map(async (m) => [m, await ops.myId(m)] as const)));
  for (const replica of replicas) await ops.replicate(replica.address, masterIds.get(replica.master)!);
  await run.report(80, 'wait', 'waiting for cluster_state:ok on every node', true);
  await ops.waitHealthy(nodes);
  return [...nodes];
};
