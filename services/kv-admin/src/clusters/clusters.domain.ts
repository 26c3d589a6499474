import { Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { createEvent } from '@msec/bus';
import { KvEventType, type KvCheckReport, type KvClusterSummary, type KvTopology } from '@msec/contracts';
import {
  KvErrorCode,
  badInput,
  clusterExists,
  clusterNotFound,
  confirmMismatch,
  nodeUnreachable,
  operationInProgress,
  seedsUnreachable,
} from '../kv-admin.errors.js';
import { parseNodeList } from '../redis/node-address.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { PasswordBox } from '../secrets/password-box.js';
import { TopologyReader } from '../topology/topology.reader.js';
import { KvAdminEvents } from '../events/kv-admin-events.js';
import { activeOperations } from '../operations/operations.projection.js';
import { registeredClusters } from './clusters.projection.js';
import { KvClusterEntity } from './kv.entities.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
/** Registering answers within this, well inside the caller's NATS deadline (10 s), however many seeds are down. */
const REGISTER_DEADLINE_MS = 5000;

/** Validates a cluster name field. */
export function parseClusterName(value: unknown, field = 'cluster'): string {
  if (typeof value !== 'string' || !NAME.test(value))
    throw badInput(field, 'expected 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit');
  return value;
}

/** Validates an optional cluster password: absent or empty means none. */
export function parsePassword(value: unknown, field = 'password'): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 512)
    throw badInput(field, "expected the cluster's requirepass, a string of at most 512 characters");
  return value;
}

/** Throws unless a destructive request repeats the cluster name in confirm. */
export function requireConfirm(cluster: string, confirm: unknown): void {
  if (confirm !== cluster) throw confirmMismatch(cluster);
}

/** Registered clusters: registration (as events, see KvAdminEvents), lookup, and their topology and health. */
@Injectable()
export class ClustersDomain {
  private readonly repo: Repository<KvClusterEntity>;

  constructor(
    dataSource: DataSource,
    private readonly topologyReader: TopologyReader,
    private readonly redis: RedisConnections,
    private readonly box: PasswordBox,
    private readonly events: KvAdminEvents,
  ) {
    this.repo = dataSource.getRepository(KvClusterEntity);
  }

  /** Registers an existing cluster after checking a seed answers as a cluster node. */
  async register(input: { name?: unknown; seeds?: unknown; password?: unknown }): Promise<KvClusterSummary> {
    const name = parseClusterName(input.name, 'name');
    const seeds = parseNodeList(input.seeds, 'seeds');
    const password = parsePassword(input.password);
    if (await this.repo.findOneBy({ name })) throw clusterExists(name);
    // Tried with the given password; on failure the seeds go back to what a registered cluster uses for them.
    const previous = seeds.map((address) => [address, this.redis.passwordOf(address)] as const);
    this.redis.usePassword(seeds, password);
    let timer: NodeJS.Timeout | undefined;
    try {
      // Seeds are tried one after another: bound the whole so the caller gets an answer, not a NATS timeout.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(nodeUnreachable(seeds.join(','), new Error(`none within ${REGISTER_DEADLINE_MS} ms`))),
          REGISTER_DEADLINE_MS,
        );
      });
      await Promise.race([this.topologyReader.reachableView(seeds), deadline]);
    } catch (error) {
      for (const [address, before] of previous) this.redis.usePassword([address], before);
      // the addresses are the caller's input: none answering is their mistake to fix, not a fault of kv-admin
      throw (error as { code?: string }).code === KvErrorCode.nodeUnreachable
        ? seedsUnreachable(seeds, (error as Error).cause ?? error)
        : error;
    } finally {
      clearTimeout(timer);
    }
    return this.insert(name, seeds, password);
  }

  /** Registers a cluster (its password sealed and kept under a reference); fails when the name is taken. */
  async insert(name: string, seeds: string[], password?: string): Promise<KvClusterSummary> {
    if (await this.repo.findOneBy({ name })) throw clusterExists(name);
    const passwordRef = password === undefined ? null : await this.events.keepSealedPassword(this.box.seal(password));
    await this.events.decide((events) => {
      if (registeredClusters(events).has(name)) throw clusterExists(name);
      const payload = { name, seeds, hasPassword: passwordRef !== null, passwordRef };
      return { append: [createEvent(KvEventType.clusterRegistered, name, payload)], result: undefined };
    });
    this.redis.usePassword(seeds, password);
    return this.get(name);
  }

  /** Every registered cluster, by name. */
  async list(): Promise<KvClusterSummary[]> {
    const rows = await this.repo.find({ order: { name: 'ASC' } });
    // Whoever lists then reaches the nodes (the sampler does): each with its cluster's password. A password that
    // cannot be unsealed surfaces on get(), where it is reported; the list itself still answers.
    for (const row of rows) {
      try {
        this.redis.usePassword(JSON.parse(row.seeds) as string[], this.passwordOf(row));
      } catch {
        continue;
      }
    }
    return rows.map(toSummary);
  }

  /** One cluster, or KV_CLUSTER_NOT_FOUND; its nodes are reached with its password from here on. */
  async get(nameInput: unknown): Promise<KvClusterSummary> {
    const name = parseClusterName(nameInput);
    const row = await this.repo.findOneBy({ name });
    if (row === null) throw clusterNotFound(name);
    const summary = toSummary(row);
    this.redis.usePassword(summary.seeds, this.passwordOf(row));
    return summary;
  }

  /** Lets nodes about to join a cluster (an operation's new nodes) be reached with the cluster's password. */
  async shareCredentials(name: string, addresses: readonly string[]): Promise<void> {
    const row = await this.repo.findOneBy({ name });
    if (row !== null) this.redis.usePassword(addresses, this.passwordOf(row));
  }

  private passwordOf(row: KvClusterEntity): string | undefined {
    return row.passwordSealed === null ? undefined : this.box.unseal(row.passwordSealed);
  }

  /** Replaces the seed list (after an operation changed membership). */
  async updateSeeds(name: string, seeds: string[]): Promise<void> {
    if (seeds.length === 0) return;
    await this.events.decide((events) => {
      const current = registeredClusters(events).get(name);
      const changed = current !== undefined && JSON.stringify(current) !== JSON.stringify(seeds);
      return { append: changed ? [createEvent(KvEventType.clusterSeedsChanged, name, { name, seeds })] : [], result: undefined };
    });
  }

  /** Forgets a cluster (the Redis nodes keep running). */
  async unregister(input: { cluster?: unknown; confirm?: unknown }): Promise<{ removed: string }> {
    const cluster = await this.get(input.cluster);
    requireConfirm(cluster.name, input.confirm);
    await this.events.decide((events) => {
      if (!registeredClusters(events).has(cluster.name)) throw clusterNotFound(cluster.name);
      const active = activeOperations(events).get(cluster.name);
      if (active !== undefined) throw operationInProgress(cluster.name, active);
      return { append: [createEvent(KvEventType.clusterUnregistered, cluster.name, { name: cluster.name })], result: undefined };
    });
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
  return { name: row.name, seeds: JSON.parse(row.seeds) as string[], createdAt: row.createdAt, hasPassword: row.passwordSealed !== null };
}
