import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import type { KvCheckReport, KvClusterSummary, KvTopology } from '@msec/contracts';
import { badInput, clusterExists, clusterNotFound, confirmMismatch, operationInProgress } from '../kv-admin.errors.js';
import { OperationsStore } from '../operations/operations.store.js';
import { parseNodeList } from '../redis/node-address.js';
import { TopologyReader } from '../topology/topology.reader.js';
import { KvClusterEntity } from './kv.entities.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** Validates a cluster name field. */
export function parseClusterName(value: unknown, field = 'cluster'): string {
  if (typeof value !== 'string' || !NAME.test(value))
    throw badInput(field, 'expected 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit');
  return value;
}

/** Throws unless a destructive request repeats the cluster name in confirm. */
export function requireConfirm(cluster: string, confirm: unknown): void {
  if (confirm !== cluster) throw confirmMismatch(cluster);
}

/** Registered clusters: registration, lookup, and their topology and health. */
@Injectable()
export class ClustersDomain {
  private readonly repo: Repository<KvClusterEntity>;

  constructor(
    dataSource: DataSource,
    private readonly topologyReader: TopologyReader,
    private readonly operations: OperationsStore,
  ) {
    this.repo = dataSource.getRepository(KvClusterEntity);
  }

  /** Registers an existing cluster after checking a seed answers as a cluster node. */
  async register(input: { name?: unknown; seeds?: unknown }): Promise<KvClusterSummary> {
    const name = parseClusterName(input.name, 'name');
    const seeds = parseNodeList(input.seeds, 'seeds');
    await this.topologyReader.reachableView(seeds);
    return this.insert(name, seeds);
  }

  /** Stores a cluster row; fails when the name is taken. */
  async insert(name: string, seeds: string[]): Promise<KvClusterSummary> {
    if (await this.repo.findOneBy({ name })) throw clusterExists(name);
    const row = this.repo.create({ name, seeds: JSON.stringify(seeds), createdAt: new Date().toISOString() });
    await this.repo.save(row);
    return toSummary(row);
  }

  /** Every registered cluster, by name. */
  async list(): Promise<KvClusterSummary[]> {
    return (await this.repo.find({ order: { name: 'ASC' } })).map(toSummary);
  }

  /** One cluster, or KV_CLUSTER_NOT_FOUND. */
  async get(nameInput: unknown): Promise<KvClusterSummary> {
    const name = parseClusterName(nameInput);
    const row = await this.repo.findOneBy({ name });
    if (row === null) throw clusterNotFound(name);
    return toSummary(row);
  }

  /** Replaces the seed list (after an operation changed membership). */
  async updateSeeds(name: string, seeds: string[]): Promise<void> {
    if (seeds.length > 0) await this.repo.update({ name }, { seeds: JSON.stringify(seeds) });
  }

  /** Forgets a cluster (the Redis nodes keep running). */
  async unregister(input: { cluster?: unknown; confirm?: unknown }): Promise<{ removed: string }> {
    const cluster = await this.get(input.cluster);
    requireConfirm(cluster.name, input.confirm);
    const active = await this.operations.activeOf(cluster.name);
    if (active !== null) throw operationInProgress(cluster.name, active.id);
    await this.repo.delete({ name: cluster.name });
    return { removed: cluster.name };
  }

  /** Topology as the first reachable seed sees it. */
  async topology(input: { cluster?: unknown }): Promise<KvTopology> {
    const cluster = await this.get(input.cluster);
    return this.topologyReader.topology(cluster.name, cluster.seeds);
  }

  /** Health check like `redis-cli --cluster check`. */
  async check(input: { cluster?: unknown }): Promise<KvCheckReport> {
    const cluster = await this.get(input.cluster);
    return this.topologyReader.check(cluster.name, cluster.seeds);
  }
}

function toSummary(row: KvClusterEntity): KvClusterSummary {
  return { name: row.name, seeds: JSON.parse(row.seeds) as string[], createdAt: row.createdAt };
}
