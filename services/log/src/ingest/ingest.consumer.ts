import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { LOG_INGEST_CONSUMER, LOG_INGEST_STREAM, LogSubjects, type LogLine, type SpanRecord } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { LOG_CONFIG, type LogConfig } from '../config/log.config.js';
import { ensureIngestStream } from './ingest-stream.js';
import { LogWriter, isLogLine, isSpanRecord } from './log-writer.js';
import { TailPublisher } from './tail-publisher.js';

/**
 * Pulls lines and spans from the ingest stream, writes them in batches (up to ingestBatchSize rows, or whatever
 * arrived within ingestFlushMs), acknowledges each batch once stored, and publishes stored lines for live tails.
 * A failed write is retried before anything newer is acknowledged, so nothing is lost; redeliveries are
 * skipped by the primary keys.
 */
@Injectable()
export class IngestConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('log-ingest');
  private readonly writer: LogWriter;
  private readonly tail: TailPublisher;
  private pending: JsMsg[] = [];
  private messages: ConsumerMessages | undefined;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private stopped = false;
  private stored = 0;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    dataSource: DataSource,
    @Inject(LOG_CONFIG) private readonly config: LogConfig,
  ) {
    this.writer = new LogWriter(dataSource);
    this.tail = new TailPublisher(nc);
  }

  /** Lines and spans stored since start. */
  get storedCount(): number {
    return this.stored;
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureIngestStream(this.nc);
    const consumer = await jetstream(this.nc).consumers.get(LOG_INGEST_STREAM, LOG_INGEST_CONSUMER);
    this.messages = await consumer.consume({ max_messages: Math.max(2000, this.config.ingestBatchSize * 4) });
    this.timer = setInterval(() => void this.flush(), this.config.ingestFlushMs);
    void this.receive(this.messages);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.messages?.close().catch(() => undefined);
    await this.flushing;
    if (this.pending.length > 0) await this.flush();
  }

  private async receive(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        this.pending.push(msg);
        if (this.pending.length >= this.config.ingestBatchSize) void this.flush();
      }
    } catch (error) {
      if (!this.stopped) this.logger.error(`ingest consumer stopped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.config.ingestBatchSize);
      const lines: LogLine[] = [];
      const spans: SpanRecord[] = [];
      for (const msg of batch) {
        try {
          const body: unknown = msg.json();
          if (msg.subject === LogSubjects.ingestLines && isLogLine(body)) lines.push(body);
          else if (msg.subject === LogSubjects.ingestSpans && isSpanRecord(body)) spans.push(body);
        } catch {
          // Not JSON: skipped (acknowledged with the batch) so one bad publisher cannot stall ingest.
        }
      }
      try {
        await this.writeUntilStored(lines, spans);
      } catch {
        return;
      }
      batch[batch.length - 1]!.ack();
      this.stored += lines.length + spans.length;
      this.tail.publish(lines);
      if (this.stopped) return;
    }
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
