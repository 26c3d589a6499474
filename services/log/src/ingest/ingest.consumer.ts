import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { PULL_EXPIRES_MS, ResilientPull } from '@msec/bus/jetstream';
import { DataSource } from 'typeorm';
import { LOG_INGEST_CONSUMER, LOG_INGEST_STREAM, LogSubjects, type LogLine, type SpanRecord } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { LOG_CONFIG, type LogConfig } from '../config/log.config.js';
import { ensureIngestStream } from './ingest-stream.js';
import { LogWriter, isLogLine, isSpanRecord } from './log-writer.js';
import { Dialect, dialectOf } from '../storage/sql-dialect.js';
import { TailPublisher } from './tail-publisher.js';
import { StoreTally } from '../storage/store-tally.js';
import { yieldToIo } from '../storage/yield-to-io.js';
import { TrimGate } from '../storage/trim-gate.js';

const MIB = 1024 * 1024;

/** The records of one stream message: a single record (older SDKs) or a JSON array of records (current SDK). */
export interface DecodedIngest {
  lines: LogLine[];
  spans: SpanRecord[];
  /** Set when the body is a JSON array of valid lines of this one service: the body is then their tail message as is. */
  tailOf?: string;
}

/** One stream message, decoded. */
interface Received extends DecodedIngest {
  msg: JsMsg;
}

/** Decodes a message; malformed records (or a non-JSON body) are skipped so one bad publisher cannot stall ingest. */
export function decodeIngest(subject: string, data: Uint8Array | string): DecodedIngest {
  const lines: LogLine[] = [];
  const spans: SpanRecord[] = [];
  let body: unknown;
  try {
    body = JSON.parse(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch {
    return { lines, spans };
  }
  const records = Array.isArray(body) ? (body as unknown[]) : [body];
  if (subject === LogSubjects.ingestLines) for (const r of records) if (isLogLine(r)) lines.push(r);
  if (subject === LogSubjects.ingestSpans) for (const r of records) if (isSpanRecord(r)) spans.push(r);
  const service = lines[0]?.service;
  if (Array.isArray(body) && lines.length === records.length && lines.every((l) => l.service === service))
    return { lines, spans, tailOf: service };
  return { lines, spans };
}

/**
 * Pulls lines and spans from the ingest stream, writes them in batches (about ingestBatchSize rows, or whatever
 * arrived within ingestFlushMs), up to ingestWriters batches at once on MySQL/MariaDB, and acknowledges each batch
 * (ack-all: its last message) once it and every earlier batch are stored; then publishes its lines for live tails.
 * A failed write is retried before anything newer is acknowledged, so nothing is lost; redeliveries are skipped by
 * the primary keys (every INSERT is idempotent, so batches may commit in any order).
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('log-ingest');
  private readonly writer: LogWriter;
  private readonly tail: TailPublisher;
  private readonly writers: number;
  private pending: Received[] = [];
  private pendingRows = 0;
  private pull: ResilientPull | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private stored = 0;
  /** Highest stream sequence received: a jump past it is messages the stream discarded unread. */
  private lastSeq = 0;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    dataSource: DataSource,
    @Inject(LOG_CONFIG) private readonly config: LogConfig,
    private readonly tally: StoreTally,
    private readonly gate: TrimGate,
  ) {
    this.writer = new LogWriter(dataSource);
    this.tail = new TailPublisher(nc);
    // better-sqlite3 is one connection: one transaction at a time.
    this.writers = dialectOf(dataSource) === Dialect.mysql ? config.ingestWriters : 1;
  }

  /** Lines and spans stored since start. */
  get storedCount(): number {
    return this.stored;
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureIngestStream(this.nc, this.config.ingestStreamMaxMb * MIB);
    this.lastSeq = (
      await jetstream(this.nc)
        .consumers.get(LOG_INGEST_STREAM, LOG_INGEST_CONSUMER)
        .then((c) => c.info())
    ).delivered.stream_seq;
    // Bound again when the pull ends or stops hearing from its server (on a cluster the consumer moves when its server dies).
    this.pull = new ResilientPull(
      async () =>
        // Messages hold up to a few hundred records each (256 KiB from the SDK): bound the prefetch by bytes.
        (await jetstream(this.nc).consumers.get(LOG_INGEST_STREAM, LOG_INGEST_CONSUMER)).consume({
          max_bytes: 16 * 1024 * 1024,
          expires: PULL_EXPIRES_MS,
        }),
      (msg) => this.receive(msg),
    );
    this.timer = setInterval(() => void this.flush(), this.config.ingestFlushMs);
    await this.pull.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.pull?.stop();
    await this.flushing;
    if (this.pending.length > 0) await this.flush();
  }

  private async receive(msg: JsMsg): Promise<void> {
    if (msg.seq > this.lastSeq + 1) this.tally.dropped.streamMessages += msg.seq - this.lastSeq - 1;
    this.lastSeq = Math.max(this.lastSeq, msg.seq);
    const decoded = decodeIngest(msg.subject, msg.data);
    this.pending.push({ msg, ...decoded });
    this.pendingRows += decoded.lines.length + decoded.spans.length;
    if (this.pendingRows >= this.config.ingestBatchSize) void this.flush();
    // Back-pressure: stop reading (the pull requests stop too) while the database is behind.
    while (this.pendingRows >= this.config.ingestBatchSize * (this.writers + 2) && !this.stopped) await this.flush();
  }

  private flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Whole messages, in order, up to about ingestBatchSize records (at least one message). */
  private takeBatch(): Received[] {
    let rows = 0;
    let n = 0;
    while (n < this.pending.length && (n === 0 || rows < this.config.ingestBatchSize)) {
      const next = this.pending[n]!;
      if (n > 0 && rows + next.lines.length + next.spans.length > this.config.ingestBatchSize) break;
      rows += next.lines.length + next.spans.length;
      n++;
    }
    this.pendingRows -= rows;
    return this.pending.splice(0, n);
  }

  private async writeAll(): Promise<void> {
    const inFlight: Array<Promise<boolean>> = [];
    let acked: Promise<boolean> = Promise.resolve(true);
    for (let first = true; this.pending.length > 0; first = false) {
      // Each batch is a synchronous transaction on SQLite: requests are answered between batches.
      if (!first) await yieldToIo();
      await this.gate.whenOpen();
      const batch = this.takeBatch();
      const lines = batch.flatMap((r) => r.lines);
      const spans = batch.flatMap((r) => r.spans);
      const stored = this.writeUntilStored(lines, spans).then(
        () => true,
        () => false,
      );
      const previous = acked;
      // Acknowledge in stream order: ack-all on this batch's last message covers every earlier message too.
      acked = Promise.all([previous, stored]).then(([before, ok]) => {
        if (!before || !ok) return false;
        batch[batch.length - 1]!.msg.ack();
        this.stored += lines.length + spans.length;
        this.tally.stored(lines.length, spans.length);
        this.publishTail(batch);
        return true;
      });
      inFlight.push(acked);
      if (inFlight.length >= this.writers) {
        const ok = await inFlight.shift()!;
        if (!ok || this.stopped) break;
      }
    }
    await acked;
  }

  /** Live tail: a message of one service's lines goes out as it came (no re-encoding); other lines are regrouped. */
  private publishTail(batch: readonly Received[]): void {
    const regroup: LogLine[] = [];
    for (const r of batch) {
      if (r.tailOf !== undefined) this.tail.publishEncoded(r.tailOf, r.msg.data);
      else regroup.push(...r.lines);
    }
    this.tail.publish(regroup);
  }

  private async writeUntilStored(lines: LogLine[], spans: SpanRecord[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writer.write(lines, spans);
        return;
      } catch (error) {
        // On shutdown the unacknowledged messages are simply redelivered to the next start.
        if (this.stopped) throw error;
        if (attempt === 1 || attempt % 30 === 0)
          this.logger.warn(`cannot store ${lines.length} lines and ${spans.length} spans (attempt ${attempt}): ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 5000)));
      }
    }
  }
}
