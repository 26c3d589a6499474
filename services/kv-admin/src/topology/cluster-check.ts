import type { KvCheckReport, KvNodeView, KvSlotRange } from '@msec/contracts';
import { SLOT_COUNT, expandSlots, toRanges } from './cluster-nodes-parser.js';

/** What each node of a cluster said (its CLUSTER NODES parsed) or that it did not answer. */
export interface NodeViews {
  cluster: string;
  clusterState: string;
  views: Map<string, KvNodeView[] | Error>;
}

/** Checks a cluster like `redis-cli --cluster check`: agreement, coverage, open slots, failing nodes, replica spread. */
export function checkCluster(input: NodeViews): KvCheckReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  const unreachable: string[] = [];
  const openSlots: KvCheckReport['openSlots'] = [];
  const signatures = new Set<string>();
  let reference: KvNodeView[] | undefined;
  for (const [address, view] of input.views) {
    if (view instanceof Error) {
      unreachable.push(address);
      errors.push(`node ${address} did not answer: ${view.message}`);
      continue;
    }
    reference ??= view;
    signatures.add(slotSignature(view));
    const myself = view.find((n) => n.flags.includes('myself'));
    if (myself === undefined) continue;
    for (const m of myself.migrating) openSlots.push({ node: address, slot: m.slot, state: 'migrating', peer: m.to });
    for (const i of myself.importing) openSlots.push({ node: address, slot: i.slot, state: 'importing', peer: i.from });
  }
  const nodes = reference ?? [];
  const nodesAgree = signatures.size <= 1;
  if (!nodesAgree) errors.push("nodes don't agree about the slot configuration");
  for (const o of openSlots) errors.push(`slot ${o.slot} is open: ${o.state} on ${o.node} (peer ${o.peer})`);
  const covered = new Set<number>();
  for (const node of nodes) if (node.role === 'master') for (const s of expandSlots(node.slots)) covered.add(s);
  const uncoveredSlots = uncovered(covered);
  if (covered.size < SLOT_COUNT && nodes.length > 0)
    errors.push(`${SLOT_COUNT - covered.size} of ${SLOT_COUNT} slots are not covered by any master`);
  for (const node of nodes)
    if (node.failing)
      errors.push(`node ${node.address} (${node.id}) is flagged ${node.flags.filter((f) => f.startsWith('fail')).join(',')}`);
  warnings.push(...replicaSpreadWarnings(nodes));
  if (input.clusterState !== 'ok') errors.push(`cluster_state is ${input.clusterState}`);
  return {
    cluster: input.cluster,
    ok: errors.length === 0,
    clusterState: input.clusterState,
    nodesAgree,
    coveredSlots: covered.size,
    uncoveredSlots,
    openSlots,
    unreachable,
    errors,
    warnings,
  };
}

/** Warnings about redundancy: masters without replicas, replicas beside their master, most masters on one host. */
export function replicaSpreadWarnings(nodes: readonly KvNodeView[]): string[] {
  const warnings: string[] = [];
  const masters = nodes.filter((n) => n.role === 'master' && !n.flags.includes('fail'));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const master of masters) {
    const replicas = master.replicaIds.map((id) => byId.get(id)).filter((r): r is KvNodeView => r !== undefined && !r.failing);
    if (master.slotCount > 0 && replicas.length === 0)
      warnings.push(`master ${master.address} holds ${master.slotCount} slots and has no replica`);
    if (master.slotCount === 0) warnings.push(`master ${master.address} holds no slots; rebalance to give it some`);
    for (const replica of replicas)
      if (replica.host === master.host) warnings.push(`replica ${replica.address} runs on the same host as its master ${master.address}`);
  }
  const perHost = new Map<string, number>();
  for (const master of masters) perHost.set(master.host, (perHost.get(master.host) ?? 0) + 1);
  for (const [host, count] of perHost) {
    if (masters.length > 1 && count > masters.length / 2)
      warnings.push(`${count} of ${masters.length} masters run on host ${host}; losing it loses the majority`);
  }
  return warnings;
}

function slotSignature(view: readonly KvNodeView[]): string {
  return view
    .filter((n) => n.role === 'master' && n.slotCount > 0)
    .map((n) => `${n.id}:${n.slots.map((r) => `${r.start}-${r.end}`).join(',')}`)
    .sort()
    .join('|');
}

function uncovered(covered: Set<number>): KvSlotRange[] {
  const missing: number[] = [];
  for (let s = 0; s < SLOT_COUNT; s += 1) if (!covered.has(s)) missing.push(s);
  return toRanges(missing);
}
