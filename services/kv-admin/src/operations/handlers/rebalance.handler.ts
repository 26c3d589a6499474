import { badInput, clusterUnhealthy } from '../../kv-admin.errors.js';
import { movedSlots, planRebalance } from '../rebalance-planner.js';
import type { MigrationState } from '../slot-migrator.js';
import { findNode, migrationTargets, type OperationRun, type OperationHandler } from './operation-run.js';

interface RebalanceParams {
  weights?: Record<string, number>;
}

interface RebalanceState {
  migration?: MigrationState;
}

/** Plans once (saved in the state), then migrates slot by slot; a restarted run continues after the last completed slot. */
export async function migratePlanned(
  run: OperationRun<unknown, { migration?: MigrationState }>,
  plan: () => Promise<MigrationState>,
  from: number,
  to: number,
): Promise<void> {
  const { ops, seeds } = run;
  if (run.state.migration === undefined) {
    run.state.migration = await plan();
    await run.report(from, 'plan', `moving ${run.state.migration.total} slots in ${run.state.migration.moves.length} ranges`, true);
  } else {
    const { done, total } = run.state.migration;
    await run.report(
      from + Math.floor(((to - from) * done) / Math.max(total, 1)),
      'resume',
      `resuming after ${done} of ${total} slots`,
      true,
    );
  }
  const migration = run.state.migration;
  const targets = await migrationTargets(ops, seeds);
  await run.migrator.run(migration, targets, () =>
    run.report(
      from + Math.floor(((to - from) * migration.done) / Math.max(migration.total, 1)),
      'migrate',
      `${migration.done}/${migration.total} slots moved`,
    ),
  );
  await run.report(to, 'migrate', `${migration.total} slots moved`, true);
}

/** Moves slots so each master holds its weighted share, moving as few slots as possible. */
export const rebalanceHandler: OperationHandler = async (generic) => {
  const run = generic as unknown as OperationRun<RebalanceParams, RebalanceState>;
  const { ops, seeds, cluster, params } = run;
  await migratePlanned(
    run,
    async () => {
      const check = await ops.reader.check(cluster, seeds);
      if (check.openSlots.length > 0 || check.uncoveredSlots.length > 0)
        throw clusterUnhealthy(cluster, `fix it first: ${check.errors.join('; ')}`);
      const { nodes } = await ops.reader.reachableView(seeds);
      const weights = new Map<string, number>();
      for (const [ref, weight] of Object.entries(params.weights ?? {})) weights.set(findNode(cluster, nodes, ref).id, weight);
      const masters = nodes
        .filter((n) => n.role === 'master' && !n.failing)
        .map((n) => ({ id: n.id, slots: n.slots, weight: weights.get(n.id) ?? 1 }));
      if (masters.every((m) => m.weight === 0)) throw badInput('weights', 'at least one master needs a weight above 0');
      const moves = planRebalance(masters);
      return { moves, total: movedSlots(moves), done: 0 };
    },
    5,
    90,
  );
  const members = await ops.memberAddresses((await ops.reader.reachableView(seeds)).address);
  await run.report(95, 'wait', 'waiting for every node to agree', true);
  await ops.waitHealthy(members);
  return members;
};
