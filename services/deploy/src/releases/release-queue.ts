import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { RedisClientOptions } from '@msec/platform';
import type { ReleaseRunner } from './release-runner.js';
import type { ReleasesRepository } from './releases.repository.js';

/** BullMQ queue of release plan runs. */
export const RELEASE_QUEUE = 'msec-deploy-releases';

/**
 * Runs plans as BullMQ jobs. A job whose deploy process died keeps its lock only `lockDuration` (5 s); the
 * next worker's stalled check (every 2 s) hands it out again, and the runner resumes from the stored plan.
 */
export class ReleaseQueue {
  private readonly logger = new Logger('deploy-release-queue');
  private queue: Queue | null = null;
  private worker: Worker | null = null;
  private readonly connections: Redis[] = [];

  constructor(
    private readonly redis: RedisClientOptions,
    private readonly runner: ReleaseRunner,
    private readonly plans: ReleasesRepository,
  ) {}

  /** Starts the worker and re-enqueues plans that were running without a job. */
  async start(): Promise<void> {
    const connection = (): Redis => {
      const redis = new Redis({ ...this.redis, maxRetriesPerRequest: null });
      this.connections.push(redis);
      return redis;
    };
    this.queue = new Queue(RELEASE_QUEUE, { connection: connection() });
    this.worker = new Worker(RELEASE_QUEUE, async (job) => this.runner.run((job.data as { planId: string }).planId), {
      connection: connection(),
      concurrency: 4,
      lockDuration: 5_000,
      stalledInterval: 2_000,
      maxStalledCount: 100,
    });
    this.worker.on('failed', (job, error) => this.logger.error(`release job ${job?.id} failed: ${error.message}`));
    for (const plan of await this.plans.unfinished()) await this.enqueue(plan.planId, plan.runNo);
  }

  /** Queues a run of the plan; the job id makes a second enqueue of the same run a no-op. */
  async enqueue(planId: string, runNo: number): Promise<void> {
    if (!this.queue) throw new Error('release queue not started');
    await this.queue.add(
      'run',
      { planId },
      {
        jobId: `${planId}-r${runNo}`,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 1000 },
      },
    );
  }

  /** Stops taking jobs; an unfinished one is resumed by the next deploy process. */
  async close(): Promise<void> {
    const closing = Promise.all([this.worker?.close(), this.queue?.close()]);
    await Promise.race([closing, new Promise((r) => setTimeout(r, 5_000))]);
    for (const redis of this.connections) redis.disconnect();
  }
}
