import type { KvNodeView } from '@msec/contracts';
import { nodeNotFound } from '../../kv-admin.errors.js';
import type { ClusterOps } from '../cluster-ops.js';
import type { SlotMigrator, MigrationTargets } from '../slot-migrator.js';

/** What an operation handler gets: its params, its resumable state, tools, and a progress/checkpoint call. */
export interface OperationRun<P = Record<string, unknown>, S = Record<string, unknown>> {
  id: string;
  cluster: string;
  seeds: string[];
  params: P;
  /** Mutated by the handler; saved with every report, and handed back unchanged after a restart. */
  state: S;
  ops: ClusterOps;
  migrator: SlotMigrator;
  /** Records progress and checkpoints state (throttled unless force). */
  report(percent: number, step: string, message: string, force?: boolean): Promise<void>;
}

/** Runs one kind of operation; resolves to the cluster's member addresses afterwards (its new seeds). */
export type OperationHandler = (run: OperationRun) => Promise<string[]>;

/** Finds a node by id or host:port in a view. */
export function findNode(cluster: string, nodes: readonly KvNodeView[], ref: string): KvNodeView {
  const node = nodes.find((n) => n.id === ref || n.address === ref);
  if (node === undefined) throw nodeNotFound(cluster, ref);
  return node;
}

/** Resolves node ids to addresses from a fresh view each time it is asked for the master list. */
export async function migrationTargets(ops: ClusterOps, seeds: readonly string[]): Promise<MigrationTargets> {
  const { nodes } = await ops.reader.reachableView(seeds);
  const byId = new Map(nodes.map((n) => [n.id, n.address]));
  const masters = nodes.filter((n) => n.role === 'master' && !n.failing).map((n) => n.address);
  return {
    addressOf: (id) => {
      const address = byId.get(id);
      if (address === undefined) throw nodeNotFound('(migration)', id);
      return address;
    },
    masters: () => masters,
  };
}
