import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { LogSubjects, type SpanRecord } from '@msec/contracts';
import { NatsBatchPublisher, type BatchPublisherStats } from './nats-batch-publisher.js';

/** Options of createSpanReporter. */
export interface SpanReporterOptions {
  nc: NatsConnection;
  /** Reporting service, used to name the spool file. */
  service: string;
  /** Folder of the spool file. Default `<tmpdir>/msec-log-spool`. */
  spoolDir?: string;
  maxSpoolBytes?: number;
  batchSize?: number;
  flushIntervalMs?: number;
}

/** Sends spans to the log service in batches, the same way as log lines (de-duplicated by span id, spooled while NATS is away). */
export class SpanReporter {
  private readonly publisher: NatsBatchPublisher<SpanRecord>;

  constructor(options: SpanReporterOptions) {
    const name = `${options.service}-${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    this.publisher = new NatsBatchPublisher<SpanRecord>(
      {
        nc: options.nc,
        subject: LogSubjects.ingestSpans,
        spoolFile: join(options.spoolDir ?? join(tmpdir(), 'msec-log-spool'), `${name}.spans.jsonl`),
        ...(options.maxSpoolBytes === undefined ? {} : { maxSpoolBytes: options.maxSpoolBytes }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
      },
      (span) => span.spanId,
    );
  }

  /** Queues one finished call; never blocks or throws. */
  report(span: SpanRecord): void {
    this.publisher.push(span);
  }

  stats(): Promise<BatchPublisherStats> {
    return this.publisher.stats();
  }

  flush(): Promise<void> {
    return this.publisher.flush();
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}

/** Creates a span reporter; the RPC runtime calls `report` once per finished call. */
export function createSpanReporter(options: SpanReporterOptions): SpanReporter {
  return new SpanReporter(options);
}
