import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import { MONITOR_PARTITIONS, MONITOR_STATS_STREAM, MonitorSubjects, type StatsBatch } from '@msec/contracts';
import type { MonitorConfig } from '../config/monitor.config.js';
import { snapshotUnreadable } from '../monitor.errors.js';
import { readSnapshot, writeSnapshot } from '../series/snapshot-file.js';
import type { SeriesStore } from '../series/series-store.js';
import { ensureStatsStream } from '@msec/sdk';

/** One ordered consumer: a key for the snapshot and the subject filter it reads. */
interface ConsumerPlan {
  key: string;
  filter: string;
}

/** The consumers a shard runs: the whole stream alone, else one per partition it owns (`partition % shards === shardIndex`). */
export function consumerPlan(shardIndex: number, shards: number): ConsumerPlan[] {
  if (shards <= 1) return [{ key: 'all', filter: MONITOR_STATS_STREAM.subjects[0] }];
  const plans: ConsumerPlan[] = [];
  for (let p = 0; p < MONITOR_PARTITIONS; p++)
    if (p % shards === shardIndex) plans.push({ key: `p${p}`, filter: MonitorSubjects.statsPartition(p) });
  return plans;
}

/**
 * Reads telemetry from JetStream into the series store with ordered consumers that start right after the stream sequence
 * recorded in the last snapshot. Batches are applied synchronously and in stream order, and a snapshot is written
 * synchronously between two batches, so the snapshot's state is exactly "every message up to its sequence":
 * after a crash, restoring it and replaying from the next sequence neither loses nor double-counts a report.
 */
export class StatsIngest {
  private readonly logger = new Logger('StatsIngest');
  private readonly seq: Record<string, number> = {};
  private readonly loops: ConsumerMessages[] = [];
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private stopped = false;
  /** Messages that were not a valid batch. */
  badMessages = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly store: SeriesStore,
    private readonly config: MonitorConfig,
  ) {}

  /** `<dataDir>/monitor/shard-<shard>-of-<shards>/`: a manifest plus one file per day. */
  get snapshotDir(): string {
    return join(this.config.dataDir, 'monitor', `shard-${this.config.shardIndex}-of-${this.config.shards}`);
  }

  /** Restores the snapshot, then starts consuming after its sequences and snapshotting periodically. */
  async start(): Promise<void> {
    await this.restore();
    await ensureStatsStream(await jetstreamManager(this.nc));
    const js = jetstream(this.nc);
    for (const plan of consumerPlan(this.config.shardIndex, this.config.shards)) {
      const after = this.seq[plan.key] ?? 0;
      const consumer = await js.consumers.get(MONITOR_STATS_STREAM.name, {
        filter_subjects: plan.filter,
        ...(after > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 } : { deliver_policy: DeliverPolicy.All }),
      });
      const messages = await consumer.consume({ max_messages: 512 });
      this.loops.push(messages);
      void this.run(plan.key, messages);
    }
    this.timer = setInterval(() => this.snapshotIfDirty(), this.config.snapshotIntervalMs);
    this.timer.unref();
  }

  /** Last applied stream sequence per consumer key. */
  positions(): Record<string, number> {
    return { ...this.seq };
  }

  /** Writes a snapshot now if anything changed since the last one. */
  snapshotIfDirty(): void {
    if (!this.dirty) return;
    this.store.prune();
    const changed = this.store.takeDirtyDays();
    try {
      writeSnapshot(this.snapshotDir, this.store, changed, {
        takenAt: Date.now(),
        shardIndex: this.config.shardIndex,
        shards: this.config.shards,
        streamSeq: { ...this.seq },
      });
      this.dirty = false;
    } catch (error) {
      this.store.markDirty(changed);
      this.logger.error(`snapshot failed (will retry): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Stops consuming and writes a final snapshot. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    for (const loop of this.loops) await loop.close().catch(() => undefined);
    this.snapshotIfDirty();
  }

  private async run(key: string, messages: ConsumerMessages): Promise<void> {
    try {
      for await (const m of messages) {
        if (this.stopped) break;
        let batch: StatsBatch | undefined;
        try {
          batch = m.json<StatsBatch>();
        } catch {
          batch = undefined;
        }
        if (batch !== undefined && isStatsBatch(batch)) this.store.applyBatch(batch);
        else this.badMessages++;
        this.seq[key] = m.seq;
        this.dirty = true;
      }
    } catch (error) {
      if (!this.stopped) this.logger.error(`consumer ${key} ended: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async restore(): Promise<void> {
    const dir = this.snapshotDir;
    try {
      const manifest = await readSnapshot(dir, this.store);
      if (manifest === undefined) return;
      Object.assign(this.seq, manifest.streamSeq);
      const days = Object.keys(manifest.days).length;
      this.logger.log(
        `restored ${days} day(s) of ${this.store.seriesCount()} series from ${dir}; replaying after ${JSON.stringify(manifest.streamSeq)}`,
      );
    } catch (error) {
      this.logger.error(`${snapshotUnreadable(dir, error).message} (${error instanceof Error ? error.message : String(error)})`);
      renameSync(dir, `${dir}.bad-${Date.now()}`);
      this.store.services.clear();
      this.store.takeDirtyDays();
    }
  }
}

function isStatsBatch(value: unknown): value is StatsBatch {
  const b = value as StatsBatch;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.service === 'string' &&
    typeof b.host === 'string' &&
    Array.isArray(b.items) &&
    typeof b.dropped === 'number'
  );
}
