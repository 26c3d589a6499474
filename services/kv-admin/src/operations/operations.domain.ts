import { Injectable } from '@nestjs/common';
import { KvOperationKind, KvOperationStatus, type KvOperationStarted, type KvOperationView } from '@msec/contracts';
import { ClustersDomain, parseClusterName, parsePassword, requireConfirm } from '../clusters/clusters.domain.js';
import { badInput, operationNotResumable } from '../kv-admin.errors.js';
import { parseNodeAddress, formatAddress, parseNodeList } from '../redis/node-address.js';
import { OperationQueue } from './operation-queue.js';
import { OperationsStore, toView } from './operations.store.js';

type Input = Record<string, unknown>;

/** Starting, querying and resuming operations; validates every request before anything is queued. */
@Injectable()
export class OperationsDomain {
  constructor(
    private readonly clusters: ClustersDomain,
    private readonly store: OperationsStore,
    private readonly queue: OperationQueue,
  ) {}

  /** Registers a new cluster and queues its creation from empty nodes. */
  async createCluster(input: Input): Promise<KvOperationStarted> {
    const name = parseClusterName(input.name, 'name');
    const nodes = parseNodeList(input.nodes, 'nodes', 3);
    const replicas = input.replicasPerMaster ?? 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > 5)
      throw badInput('replicasPerMaster', 'expected a whole number from 0 to 5');
    if (Math.floor(nodes.length / (replicas + 1)) < 3)
      throw badInput('nodes', `${nodes.length} nodes with ${replicas} replicas per master give fewer than 3 masters; add nodes`);
    await this.clusters.insert(name, nodes, parsePassword(input.password));
    return this.start(name, KvOperationKind.create, { nodes, replicasPerMaster: replicas });
  }

  /** Queues joining an empty node as a master. */
  async addMaster(input: Input): Promise<KvOperationStarted> {
    const cluster = await this.clusters.get(input.cluster);
    return this.start(cluster.name, KvOperationKind.addMaster, { node: formatAddress(parseNodeAddress(input.node, 'node')) });
  }

  /** Queues joining an empty node as a replica. */
  async addReplica(input: Input): Promise<KvOperationStarted> {
    const cluster = await this.clusters.get(input.cluster);
    const params: Input = { node: formatAddress(parseNodeAddress(input.node, 'node')) };
    if (input.master !== undefined) {
      if (typeof input.master !== 'string' || input.master.length === 0)
        throw badInput('master', 'expected a node id or host:port of a master');
      params.master = input.master;
    }
    return this.start(cluster.name, KvOperationKind.addReplica, params);
  }

  /** Queues a rebalance (confirm required). */
  async rebalance(input: Input): Promise<KvOperationStarted> {
    const cluster = await this.clusters.get(input.cluster);
    requireConfirm(cluster.name, input.confirm);
    const params: Input = {};
    if (input.weights !== undefined) {
      if (typeof input.weights !== 'object' || input.weights === null || Array.isArray(input.weights))
        throw badInput('weights', 'expected an object of node id or host:port → weight');
      for (const [node, weight] of Object.entries(input.weights)) {
        if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0)
          throw badInput(`weights.${node}`, 'expected a number ≥ 0');
      }
      params.weights = input.weights;
    }
    return this.start(cluster.name, KvOperationKind.rebalance, params);
  }

  /** Queues removing a node (confirm required). */
  async removeNode(input: Input): Promise<KvOperationStarted> {
    const cluster = await this.clusters.get(input.cluster);
    requireConfirm(cluster.name, input.confirm);
    return this.start(cluster.name, KvOperationKind.removeNode, { node: nodeRef(input.node) });
  }

  /** Queues a manual failover (confirm required). */
  async failover(input: Input): Promise<KvOperationStarted> {
    const cluster = await this.clusters.get(input.cluster);
    requireConfirm(cluster.name, input.confirm);
    return this.start(cluster.name, KvOperationKind.failover, { node: nodeRef(input.node) });
  }

  /** One operation. */
  async get(input: Input): Promise<KvOperationView> {
    return toView(await this.store.get(operationId(input.operationId)));
  }

  /** History of a cluster, newest first. */
  async list(input: Input): Promise<KvOperationView[]> {
    const cluster = await this.clusters.get(input.cluster);
    const limit = input.limit ?? 50;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 500)
      throw badInput('limit', 'expected a whole number from 1 to 500');
    return (await this.store.list(cluster.name, limit)).map(toView);
  }

  /** Runs a failed operation again from its saved state (confirm required). */
  async resume(input: Input): Promise<KvOperationStarted> {
    const row = await this.store.get(operationId(input.operationId));
    requireConfirm(row.cluster, input.confirm);
    if (row.status !== KvOperationStatus.failed) throw operationNotResumable(row.id, row.status);
    await this.store.resumed(row);
    await this.queue.enqueue(row.id, row.runs + 1);
    return { operation: toView(await this.store.get(row.id)) };
  }

  private async start(cluster: string, kind: KvOperationKind, params: Input): Promise<KvOperationStarted> {
    const row = await this.store.createQueued(cluster, kind, params);
    await this.queue.enqueue(row.id, 1);
    return { operation: toView(row) };
  }
}

function nodeRef(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 100)
    throw badInput('node', 'expected a node id or host:port from the topology');
  return value;
}

function operationId(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f-]{36}$/.test(value))
    throw badInput('operationId', 'expected the id returned when the operation started');
  return value;
}
