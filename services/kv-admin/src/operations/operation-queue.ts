import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { KvOperationKind, KvOperationStatus, type KvProgressEvent } from '@msec/contracts';
import { redisClientOptions } from '@msec/platform';
import { ClustersDomain } from '../clusters/clusters.domain.js';
import type { KvOperationEntity } from '../clusters/kv.entities.js';
import { KVADMIN_CONFIG, type KvAdminConfig } from '../config/kv-admin.config.js';
import { KV_EVENT_SINK, type KvEventSink } from '../events/kv-event-sink.js';
import { RedisConnections } from '../redis/redis-connections.js';
import { TopologyReader } from '../topology/topology.reader.js';
import { ClusterOps } from './cluster-ops.js';
import { addMasterHandler, addReplicaHandler } from './handlers/add-node.handler.js';
import { createClusterHandler } from './handlers/create-cluster.handler.js';
import { failoverHandler } from './handlers/failover.handler.js';
import type { OperationHandler, OperationRun } from './handlers/operation-run.js';
import { rebalanceHandler } from './handlers/rebalance.handler.js';
import { removeNodeHandler } from './handlers/remove-node.handler.js';
import { OperationsStore } from './operations.store.js';
import { SlotMigrator } from './slot-migrator.js';

/** BullMQ queue name of KV operations. */
export const KV_QUEUE = 'msec-kv-operations';
/** State is written to the database at most this often while a handler reports progress. */
const CHECKPOINT_EVERY_MS = 250;

const HANDLERS: Record<KvOperationKind, OperationHandler> = {
  [KvOperationKind.create]: createClusterHandler,
  [KvOperationKind.addMaster]: addMasterHandler,
  [KvOperationKind.addReplica]: addReplicaHandler,
  [KvOperationKind.rebalance]: rebalanceHandler,
  [KvOperationKind.removeNode]: removeNodeHandler,
  [KvOperationKind.failover]: failoverHandler,
};

interface JobData {
  operationId: string;
}

/**
 * Runs operations as BullMQ jobs. A job whose worker died (SIGKILL) loses its lock, the stalled check of the next
 * worker puts it back in the wait list, and the handler starts again from the state saved in kv_operations.
 */
@Injectable()
export class OperationQueue implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OperationQueue');
  private queue!: Queue<JobData>;
  private worker!: Worker<JobData>;
  private readonly ops: ClusterOps;
  private readonly migrator: SlotMigrator;
  private closing = false;
  /** Operations this process is running: a duplicate job of one of them is dropped, never run twice at once. */
  private readonly running = new Set<string>();

  constructor(
    @Inject(KVADMIN_CONFIG) private readonly config: KvAdminConfig,
    @Inject(KV_EVENT_SINK) private readonly events: KvEventSink,
    private readonly store: OperationsStore,
    private readonly clusters: ClustersDomain,
    redis: RedisConnections,
    reader: TopologyReader,
  ) {
    this.ops = new ClusterOps(redis, reader, config.waitTimeoutMs);
    this.migrator = new SlotMigrator(redis);
  }

  async onApplicationBootstrap(): Promise<void> {
    const connection = { ...redisClientOptions(this.config), maxRetriesPerRequest: null };
    this.queue = new Queue<JobData>(KV_QUEUE, { connection });
    this.worker = new Worker<JobData>(KV_QUEUE, (job) => this.process(job), {
      connection,
      concurrency: 8,
      lockDuration: this.config.jobLockMs,
      stalledInterval: Math.max(1000, Math.floor(this.config.jobLockMs / 2)),
      // A kv-admin restart is a stall; the operation must survive many of them.
      maxStalledCount: 1000,
    });
    this.worker.on('failed', (job, error) => {
      if (job !== undefined) void this.finishFailed(job.data.operationId, error);
    });
    this.worker.on('error', (error) => this.logger.warn(`BullMQ worker: ${error.message}`));
    await this.requeueOrphans();
  }

  /**
   * Stops without waiting for running operations: their jobs keep the lock until it expires, then the next kv-admin
   * resumes them from the saved state, exactly as after a crash.
   */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await this.worker?.close(true);
    await this.queue?.close();
  }

  /** Queues a run of the operation (first run or resume). */
  async enqueue(operationId: string, run: number): Promise<void> {
    await this.queue.add(
      'operation',
      { operationId },
      { jobId: `${operationId}-run${run}`, attempts: 1, removeOnComplete: 100, removeOnFail: 100 },
    );
  }

  /** Operations still queued or running whose job vanished (BullMQ's Redis was wiped): queue them again. */
  private async requeueOrphans(): Promise<void> {
    const jobs = await this.queue.getJobs(['active', 'waiting', 'delayed', 'prioritized']);
    const queued = new Set(jobs.filter((j) => j !== undefined).map((j) => j.data.operationId));
    for (const row of await this.store.allActive()) {
      if (!queued.has(row.id)) await this.enqueue(row.id, row.runs + 1000);
    }
  }

  private async process(job: Job<JobData>): Promise<void> {
    const id = job.data.operationId;
    if (this.running.has(id)) return;
    this.running.add(id);
    try {
      await this.runOperation(job);
    } finally {
      this.running.delete(id);
    }
  }

  private async runOperation(job: Job<JobData>): Promise<void> {
    const row = await this.store.get(job.data.operationId);
    if (row.status !== KvOperationStatus.queued && row.status !== KvOperationStatus.running) return;
    const cluster = await this.clusters.get(row.cluster);
    const params = JSON.parse(row.params) as Record<string, unknown>;
    // Nodes that join (node, nodes) are the cluster's from now on: reached with its password.
    const joining = [params.node, ...(Array.isArray(params.nodes) ? params.nodes : [])].filter(
      (a): a is string => typeof a === 'string' && a.includes(':'),
    );
    await this.clusters.shareCredentials(row.cluster, joining);
    const now = new Date().toISOString();
    row.runs += 1;
    row.status = KvOperationStatus.running;
    row.startedAt ??= now;
    await this.store.started(row, row.runs);
    this.logger.log(`operation ${row.id} (${row.kind} on ${row.cluster}) run ${row.runs}`);
    const state = JSON.parse(row.state) as Record<string, unknown>;
    let lastSaved = 0;
    const run: OperationRun = {
      id: row.id,
      cluster: row.cluster,
      seeds: cluster.seeds,
      params,
      state,
      ops: this.ops,
      migrator: this.migrator,
      report: async (percent, step, message, force = false) => {
        Object.assign(row, { percent, step, message });
        this.publish(row);
        if (!force && Date.now() - lastSaved < CHECKPOINT_EVERY_MS) return;
        lastSaved = Date.now();
        await this.store.progressed(row, { percent, step, message }, state);
        await job.updateProgress(percent);
      },
    };
    const members = await HANDLERS[row.kind as KvOperationKind](run);
    await this.clusters.updateSeeds(row.cluster, members);
    Object.assign(row, {
      status: KvOperationStatus.succeeded,
      activeCluster: null,
      percent: 100,
      step: 'done',
      message: 'finished',
      finishedAt: new Date().toISOString(),
    });
    await this.store.succeeded(row, state);
    this.publish(row);
  }

  private async finishFailed(operationId: string, error: Error): Promise<void> {
    // A handler cut off by our own shutdown has not failed: the row stays running and the next start resumes it.
    if (this.closing) return;
    try {
      const row = await this.store.get(operationId);
      if (row.status === KvOperationStatus.succeeded || row.status === KvOperationStatus.failed) return;
      Object.assign(row, {
        status: KvOperationStatus.failed,
        activeCluster: null,
        error: error.message,
        message: `failed: ${error.message}`,
        finishedAt: new Date().toISOString(),
      });
      await this.store.failed(row, error.message);
      this.publish(row);
      this.logger.warn(`operation ${operationId} failed at ${row.step}: ${error.message}`);
    } catch (storeError) {
      this.logger.error(
        `could not record failure of ${operationId}: ${storeError instanceof Error ? storeError.message : String(storeError)}`,
      );
    }
  }

  private publish(row: KvOperationEntity): void {
    const event: KvProgressEvent = {
      operationId: row.id,
      cluster: row.cluster,
      kind: row.kind as KvOperationKind,
      status: row.status as KvProgressEvent['status'],
      percent: row.percent,
      step: row.step,
      message: row.message,
      at: new Date().toISOString(),
    };
    this.events.progress(event);
  }
}
