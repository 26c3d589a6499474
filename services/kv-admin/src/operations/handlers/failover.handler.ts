import { clusterUnhealthy } from '../../kv-admin.errors.js';
import { findNode, type OperationHandler, type OperationRun } from './operation-run.js';

interface FailoverParams {
  node: string;
}

interface FailoverState {
  replicaId?: string;
  replica?: string;
  oldMasterId?: string;
}

/** CLUSTER FAILOVER on a replica (the named one, or the named master's first healthy replica); waits for the switch. */
export const failoverHandler: OperationHandler = async (generic) => {
  const run = generic as unknown as OperationRun<FailoverParams, FailoverState>;
  const { ops, seeds, cluster, params, state } = run;
  if (state.replicaId === undefined) {
    const { nodes } = await ops.reader.reachableView(seeds);
    const named = findNode(cluster, nodes, params.node);
    const replica =
      named.role === 'replica' ? named : nodes.find((n) => n.masterId === named.id && !n.failing && n.linkState === 'connected');
    if (replica === undefined) throw clusterUnhealthy(cluster, `master ${named.address} has no healthy replica to fail over to`);
    Object.assign(state, { replicaId: replica.id, replica: replica.address, oldMasterId: replica.masterId });
  }
  const replica = state.replica!;
  await run.report(20, 'failover', `CLUSTER FAILOVER on ${replica}`, true);
  const me = await ops.myself(replica);
  if (me.role !== 'master') await ops.redis.call(replica, 'CLUSTER', 'FAILOVER');
  await ops.waitFor(`${replica} to become master`, async () => (await ops.myself(replica)).role === 'master');
  const members = await ops.memberAddresses(replica);
  await run.report(70, 'wait', 'waiting for every node to agree', true);
  await ops.waitFor(`every node to see the old master follow ${replica}`, async () => {
    for (const member of members) {
      const view = await ops.reader.nodesView(member);
      if (view.find((n) => n.id === state.oldMasterId)?.masterId !== state.replicaId) return false;
      if (view.find((n) => n.id === state.replicaId)?.role !== 'master') return false;
    }
    return true;
  });
  await ops.waitHealthy(members);
  return members;
};
