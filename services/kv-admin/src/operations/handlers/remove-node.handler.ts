import { badInput } from '../../kv-admin.errors.js';
import { movedSlots, planRebalance } from '../rebalance-planner.js';
import type { MigrationState } from '../slot-migrator.js';
import { findNode, type OperationHandler, type OperationRun } from './operation-run.js';
import { migratePlanned } from './rebalance.handler.js';

interface RemoveParams {
  node: string;
}

interface RemoveState {
  nodeId?: string;
  address?: string;
  migration?: MigrationState;
}

/** Moves the node's slots to the other masters, re-homes its replicas, FORGETs it everywhere, then resets it. */
export const removeNodeHandler: OperationHandler = async (generic) => {
  const run = generic as unknown as OperationRun<RemoveParams, RemoveState>;
  const { ops, seeds, cluster, params, state } = run;
  if (state.nodeId === undefined) {
    const { nodes } = await ops.reader.reachableView(seeds);
    const node = findNode(cluster, nodes, params.node);
    state.nodeId = node.id;
    state.address = node.address;
  }
  const nodeId = state.nodeId;
  const address = state.address!;
  const listed = seeds.filter((s) => s !== address);
  const others = listed.length > 0 ? listed : (await ops.memberAddresses(address)).filter((a) => a !== address);
  let view = (await ops.reader.reachableView(others)).nodes;
  const node = view.find((n) => n.id === nodeId);
  if (node !== undefined && node.role === 'master' && (node.slotCount > 0 || state.migration !== undefined)) {
    await migratePlanned(
      run,
      async () => {
        const masters = view
          .filter((n) => n.role === 'master' && !n.failing)
          .map((n) => ({ id: n.id, slots: n.slots, weight: n.id === nodeId ? 0 : 1 }));
        if (masters.length < 2) throw badInput('node', 'the last master cannot be removed');
        const moves = planRebalance(masters);
        return { moves, total: movedSlots(moves), done: 0 };
      },
      5,
      75,
    );
    view = (await ops.reader.reachableView(others)).nodes;
  }
  await run.report(80, 're-home replicas', `replicas of ${address} follow other masters`, true);
  const masters = view.filter((n) => n.role === 'master' && n.id !== nodeId && n.slotCount > 0 && !n.failing);
  for (const replica of view.filter((n) => n.masterId === nodeId && n.id !== nodeId)) {
    const target = [...masters].sort((a, b) => a.replicaIds.length - b.replicaIds.length)[0]!;
    await ops.replicate(replica.address, target.id);
    target.replicaIds.push(replica.id);
  }
  await run.report(85, 'forget', `forgetting ${nodeId} on every other node`, true);
  const remaining = view.filter((n) => n.id !== nodeId && !n.flags.includes('noaddr')).map((n) => n.address);
  await Promise.all(
    remaining.map((a) =>
      ops.redis.call(a, 'CLUSTER', 'FORGET', nodeId).catch((e: Error) => (/unknown node/i.test(e.message) ? undefined : Promise.reject(e))),
    ),
  );
  await ops.redis
    .call(address, 'CLUSTER', 'RESET', 'HARD')
    .catch(() => undefined)
    .finally(() => ops.redis.drop(address));
  await run.report(92, 'wait', 'waiting for every node to agree', true);
  await ops.waitFor(`every node to forget ${nodeId}`, async () => {
    for (const a of remaining) if ((await ops.reader.nodesView(a)).some((n) => n.id === nodeId)) return false;
    return true;
  });
  await ops.waitHealthy(remaining);
  return remaining;
};
