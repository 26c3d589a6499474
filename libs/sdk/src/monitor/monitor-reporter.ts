import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { MonitorSubjects, StatKind, type CallRecord, type StatItem, type StatsBatch } from '@msec/contracts';
import { callRecordsToReports } from './call-record-reports.js';
import { MinuteAggregator } from './minute-aggregator.js';
import { badReporterOption } from './monitor.errors.js';
import { ensureStatsStream } from './stats-stream.js';

/** Who reports, and how. */
export interface MonitorReporterOptions {
  /** An open connection owned by the caller; the reporter never closes it. */
  nc: NatsConnection;
  /** `First.Second` service name. */
  service: string;
  host: string;
  /** Distinguishes processes on one host; a random id when omitted. */
  instance?: string;
  /** How often aggregated cells are published (default 5000 ms). */
  flushIntervalMs?: number;
  /** Cells held between flushes before reports are dropped (default 50 000). */
  maxCells?: number;
  /** Items per published message (default 2000, well under NATS's 1 MiB payload). */
  maxItemsPerBatch?: number;
  /** Batches kept for retry while NATS is unreachable before the oldest is dropped (default 60). */
  maxPendingBatches?: number;
  /** Creates the stats stream when missing (default true). */
  ensureStream?: boolean;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Statistics aggregated elsewhere in the process (RPC calls of each side), drained into every flush. */
  sources?: readonly StatSource[];
}

/** Something that aggregates stat items on its own and hands them over at each flush (an RpcCallStats). */
export interface StatSource {
  /** Items aggregated since the last drain. */
  drain(): StatItem[];
  /** Reports it dropped since the last call. */
  takeDropped(): number;
}

/** Counters a reporter exposes. */
export interface MonitorReporterStats {
  /** Reports dropped since start: invalid, buffer full, or a batch NATS never accepted. */
  dropped: number;
  pendingCells: number;
  pendingBatches: number;
  publishedBatches: number;
  failedPublishes: number;
}

/** How `set` combines values within a minute. */
export type SetMode = 'last' | 'max' | 'min' | 'avg';

interface PendingBatch {
  msgID: string;
  subject: string;
  payload: string;
  reports: number;
}

const SERVICE_NAME = /^[A-Za-z][\w-]*\.[A-Za-z][\w-]*$/;

/**
 * Business monitoring from a service process: `add` sums per minute, `set` keeps the last/max/min/avg of the minute.
 * Calls are synchronous, never throw and never wait; cells are published in batches to JetStream every flush interval,
 * with a message id so a retried batch is stored once.
 */
export class MonitorReporter {
  private readonly aggregator: MinuteAggregator;
  private readonly js: JetStreamClient;
  private readonly now: () => number;
  private readonly instance: string;
  private readonly subject: string;
  private readonly maxItemsPerBatch: number;
  private readonly maxPendingBatches: number;
  private readonly timer: NodeJS.Timeout;
  private readonly outbox: PendingBatch[] = [];
  private batchSeq = 0;
  /** Makes message ids unique per process, so a restarted process reusing its instance name is not taken for a duplicate. */
  private readonly processNonce = randomUUID().slice(0, 8);
  private flushing: Promise<void> | undefined;
  private streamReady: boolean;
  private closed = false;
  private counters = { dropped: 0, publishedBatches: 0, failedPublishes: 0 };

  constructor(private readonly options: MonitorReporterOptions) {
    if (!SERVICE_NAME.test(options.service ?? ''))
      throw badReporterOption('service', 'use the `First.Second` service name, e.g. "Flight.mod_flight"');
    if (typeof options.host !== 'string' || options.host.length === 0)
      throw badReporterOption('host', 'give the host name or IP the process runs on');
    const flushIntervalMs = options.flushIntervalMs ?? 5000;
    if (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 50)
      throw badReporterOption('flushIntervalMs', 'use a whole number of milliseconds ≥ 50');
    this.aggregator = new MinuteAggregator(options.maxCells ?? 50_000);
    this.js = jetstream(options.nc);
    this.now = options.now ?? Date.now;
    this.instance = options.instance ?? randomUUID().slice(0, 8);
    this.subject = MonitorSubjects.stats(options.service);
    this.maxItemsPerBatch = options.maxItemsPerBatch ?? 2000;
    this.maxPendingBatches = options.maxPendingBatches ?? 60;
    this.streamReady = options.ensureStream === false;
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.timer.unref();
  }

  /** Adds n (default 1) to the attribute's sum for the current minute. */
  add(attr: string, n = 1): void {
    this.aggregator.report(attr, this.minute(), StatKind.sum, n);
  }

  /** Sets the attribute for the current minute: keeps the last value, or the max/min/mean of the minute's values. */
  set(attr: string, value: number, mode: SetMode = 'last'): void {
    this.aggregator.report(attr, this.minute(), mode, value);
  }

  /** Keeps the largest value of the minute. */
  setMax(attr: string, value: number): void {
    this.set(attr, value, 'max');
  }

  /** Keeps the smallest value of the minute. */
  setMin(attr: string, value: number): void {
    this.set(attr, value, 'min');
  }

  /** Keeps the mean of the minute's values. */
  setAvg(attr: string, value: number): void {
    this.set(attr, value, 'avg');
  }

  /** Feeds RPC call records (from the RPC runtime): requests, failures by code and latency per caller → callee → method. */
  recordCalls(records: readonly CallRecord[]): void {
    for (const item of callRecordsToReports(records, this.now())) this.mergeItem(item);
  }

  /** Counters for health pages and tests. */
  stats(): MonitorReporterStats {
    return {
      ...this.counters,
      dropped: this.counters.dropped + this.aggregator.pendingDropped,
      pendingCells: this.aggregator.size,
      pendingBatches: this.outbox.length,
    };
  }

  /** Publishes everything aggregated so far; resolves when done or when NATS refused (kept for the next flush). Never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer and makes a last flush; the NATS connection stays open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private minute(): number {
    return Math.floor(this.now() / 60_000);
  }

  private mergeItem([attr, minute, kind, value]: StatItem): void {
    this.aggregator.report(attr, minute, kind, value);
  }

  private async flushOnce(): Promise<void> {
    this.enqueue();
    if (this.outbox.length === 0) return;
    try {
      if (!this.streamReady) {
        await ensureStatsStream(await jetstreamManager(this.options.nc));
        this.streamReady = true;
      }
      while (this.outbox.length > 0) {
        const batch = this.outbox[0]!;
        await this.js.publish(batch.subject, batch.payload, { msgID: batch.msgID, timeout: 5000 });
        this.outbox.shift();
        this.counters.publishedBatches++;
      }
    } catch {
      // NATS unreachable or slow: the batches stay queued (same message ids) for the next flush.
      this.counters.failedPublishes++;
    }
  }

  private enqueue(): void {
    for (const source of this.options.sources ?? []) {
      for (const item of source.drain()) this.mergeItem(item);
      this.aggregator.countDropped(source.takeDropped());
    }
    const { items } = this.aggregator.drain();
    const dropped = this.aggregator.takeDropped();
    this.counters.dropped += dropped;
    if (items.length === 0 && dropped === 0) return;
    for (let start = 0; start < Math.max(items.length, 1); start += this.maxItemsPerBatch) {
      const chunk = items.slice(start, start + this.maxItemsPerBatch);
      const batch: StatsBatch = {
        v: 1,
        service: this.options.service,
        host: this.options.host,
        instance: this.instance,
        sentAt: this.now(),
        dropped: start === 0 ? dropped : 0,
        items: chunk,
      };
      this.batchSeq++;
      this.outbox.push({
        msgID: `${this.options.service}/${this.options.host}/${this.instance}/${this.processNonce}/${this.batchSeq}`,
        subject: this.subject,
        payload: JSON.stringify(batch),
        reports: chunk.reduce((n, item) => n + item[4], 0),
      });
    }
    while (this.outbox.length > this.maxPendingBatches) {
      const lost = this.outbox.shift()!;
      this.aggregator.countDropped(lost.reports);
    }
  }
}
