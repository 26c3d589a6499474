import { clusterUnhealthy } from '../../kv-admin.errors.js';
import { findNode, type OperationHandler, type OperationRun } from './operation-run.js';

interface AddParams {
  node: string;
  master?: string;
}

interface AddState {
  validated?: boolean;
  masterId?: string;
}

async function join(run: OperationRun<AddParams, AddState>): Promise<string[]> {
  const { ops, params, state, seeds } = run;
  const { address: via, nodes } = await ops.reader.reachableView(seeds);
  if (!state.validated) {
    await run.report(5, 'validate', `checking ${params.node} is empty`, true);
    if (!nodes.some((n) => n.address === params.node)) await ops.assertEmpty(params.node);
    state.validated = true;
  }
  await run.report(20, 'meet', `introducing ${params.node} through ${via}`, true);
  await ops.meet(via, params.node);
  const members = [...new Set([...nodes.filter((n) => !n.failing && !n.flags.includes('noaddr')).map((n) => n.address), params.node])];
  await ops.waitAllKnow(members);
  return members;
}

/** Joins an empty node as a master without slots; a rebalance gives it its share. */
export const addMasterHandler: OperationHandler = async (generic) => {
  const run = generic as unknown as OperationRun<AddParams, AddState>;
  const members = await join(run);
  await run.report(80, 'wait', 'waiting for every node to agree', true);
  await run.ops.waitHealthy(members);
  return members;
};

/** Joins an empty node as a replica of the given master, or of the master with fewest replicas. */
export const addReplicaHandler: OperationHandler = async (generic) => {
  const run = generic as unknown as OperationRun<AddParams, AddState>;
  const { ops, params, state, cluster } = run;
  if (state.masterId === undefined) {
    const { nodes } = await ops.reader.reachableView(run.seeds);
    const master = params.master
      ? findNode(cluster, nodes, params.master)
      : nodes
          .filter((n) => n.role === 'master' && n.slotCount > 0 && !n.failing)
          .sort((a, b) => a.replicaIds.length - b.replicaIds.length || a.address.localeCompare(b.address))[0];
    if (master === undefined || master.role !== 'master')
      throw clusterUnhealthy(cluster, `${params.master ?? 'no node'} is not a master that can take a replica`);
    state.masterId = master.id;
  }
  const members = await join(run);
  await run.report(60, 'replicate', `${params.node} replicates ${state.masterId}`, true);
  await ops.replicate(params.node, state.masterId);
  await ops.waitFor(`${params.node} to finish its first sync`, async () => {
    const info = await ops.redis.text(params.node, 'INFO', 'replication');
    return /master_link_status:up/.test(info);
  });
  await run.report(85, 'wait', 'waiting for every node to agree', true);
  await ops.waitReplicaKnown(members, params.node, state.masterId);
  await ops.waitHealthy(members);
  return members;
};
