import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { LOG_INGEST_CONSUMER, LOG_INGEST_STREAM, type LogStorageReport } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { LOG_CONFIG, type LogConfig } from '../config/log.config.js';
import { StoreTally } from '../storage/store-tally.js';
import { DropCounterStore } from '../storage/drop-counters.js';
import { TrimGate } from '../storage/trim-gate.js';
import { countRows, trimLines, trimSpans, type TrimResult } from './store-bound.js';

/** A trim goes this far under the limit, so the next few batches do not each start a trim. */
const HEADROOM = 0.95;
const MIB = 1024 * 1024;

/**
 * Keeps the store under maxLines and maxSpans: every storeCheckSeconds, past a limit, removes the lowest-value
 * telemetry first (DEBUG/INFO lines, successful spans, oldest first) and counts what it removed.
 */
@Injectable()
export class StoreBoundJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('log-store-bound');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TrimResult> | undefined;
  private jsm: JetStreamManager | undefined;
  /** The drop counters as last saved (JSON), so an unchanged interval writes nothing. */
  private savedCounters = '';

  constructor(
    private readonly dataSource: DataSource,
    private readonly tally: StoreTally,
    private readonly dropCounters: DropCounterStore,
    private readonly gate: TrimGate,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOG_CONFIG) private readonly config: LogConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const counted = await countRows(this.dataSource);
    this.tally.lines = counted.lines;
    this.tally.spans = counted.spans;
    const saved = await this.dropCounters.load();
    if (saved) {
      Object.assign(this.tally.dropped, saved.dropped);
      this.tally.since = saved.since;
    }
    await this.saveCounters();
    this.timer = setInterval(() => void this.trimQuietly(), this.config.storeCheckSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.saveCounters().catch(() => undefined);
  }

  /** Saves the drop counters when they changed since the last save. */
  private async saveCounters(): Promise<void> {
    const counters = { dropped: { ...this.tally.dropped }, since: this.tally.since };
    const text = JSON.stringify(counters);
    if (text === this.savedCounters) return;
    await this.dropCounters.save(counters);
    this.savedCounters = text;
  }

  /** Brings the store under its limits now; what it removed. */
  async trim(): Promise<TrimResult> {
    await this.running?.catch(() => undefined);
    this.running = this.gate.hold(() => this.trimOnce());
    return this.running;
  }

  private async trimOnce(): Promise<TrimResult> {
    const result: TrimResult = { lines: 0, linesBelowWarn: 0, fields: 0, spans: 0, okSpans: 0 };
    const lineExcess = this.tally.lines > this.config.maxLines ? this.tally.lines - Math.floor(this.config.maxLines * HEADROOM) : 0;
    const spanExcess = this.tally.spans > this.config.maxSpans ? this.tally.spans - Math.floor(this.config.maxSpans * HEADROOM) : 0;
    if (lineExcess === 0 && spanExcess === 0) return result;
    const runner = this.dataSource.createQueryRunner();
    try {
      if (lineExcess > 0) Object.assign(result, await trimLines(runner, lineExcess));
      if (spanExcess > 0) Object.assign(result, await trimSpans(runner, spanExcess));
    } finally {
      await runner.release();
    }
    this.tally.removed(result.lines, result.spans);
    const dropped = this.tally.dropped;
    dropped.lines += result.lines;
    dropped.linesBelowWarn += result.linesBelowWarn;
    dropped.spans += result.spans;
    dropped.okSpans += result.okSpans;
    await this.saveCounters();
    return result;
  }

  private async trimQuietly(): Promise<void> {
    try {
      const r = await this.trim();
      if (r.lines + r.spans > 0)
        this.logger.warn(
          `store over its limits: dropped ${r.lines} lines (${r.linesBelowWarn} below WARN) and ${r.spans} spans (${r.okSpans} successful)`,
        );
      // Stream messages lost to the ingest stream's own limits are counted by ingest; both are saved here.
      await this.saveCounters();
    } catch (error) {
      this.logger.warn(`size limit check failed, retried at the next interval: ${String(error)}`);
    }
  }

  /** Limits, size and drop counters, with the ingest stream's state (zeros when JetStream does not answer). */
  async report(): Promise<LogStorageReport> {
    const stream = { bytes: 0, messages: 0, pending: 0 };
    try {
      this.jsm ??= await jetstreamManager(this.nc);
      const [info, consumer] = await Promise.all([
        this.jsm.streams.info(LOG_INGEST_STREAM),
        this.jsm.consumers.info(LOG_INGEST_STREAM, LOG_INGEST_CONSUMER),
      ]);
      stream.bytes = info.state.bytes;
      stream.messages = info.state.messages;
      stream.pending = consumer.num_pending;
    } catch {
      // The report still shows the store and the counters.
    }
    return {
      limits: {
        retentionDays: this.config.retentionDays,
        maxLines: this.config.maxLines,
        maxSpans: this.config.maxSpans,
        ingestStreamMaxBytes: this.config.ingestStreamMaxMb * MIB,
      },
      stored: { lines: this.tally.lines, spans: this.tally.spans },
      stream,
      dropped: { ...this.tally.dropped },
      since: this.tally.since,
    };
  }
}
