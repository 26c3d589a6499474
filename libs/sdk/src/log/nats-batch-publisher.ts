import type { NatsConnection } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { SpoolFile } from './spool-file.js';

/** How a batch publisher buffers, publishes and spools. */
export interface BatchPublisherOptions {
  nc: NatsConnection;
  /** JetStream subject; the stream must capture it. */
  subject: string;
  /** File that keeps records while NATS is unreachable. */
  spoolFile: string;
  /** Upper bound of the spool file; records beyond it are dropped and counted. Default 64 MiB. */
  maxSpoolBytes?: number;
  /** Records per publish round. Default 500. */
  batchSize?: number;
  /**
   * Upper bound of one JetStream message. A round is sent as few messages as possible, each a JSON array of
   * records under this size (a single larger record goes alone). Default 256 KiB, capped at the server's max_payload.
   */
  maxMessageBytes?: number;
  /** How often the buffer is flushed. Default 100 ms. */
  flushIntervalMs?: number;
  /** Records held in memory before new ones are dropped. Default 50,000. */
  maxBuffered?: number;
  /** How long to wait for a JetStream ack. Default 2,000 ms. */
  publishTimeoutMs?: number;
  /** Pause before retrying NATS after a failure. Default 1,000 ms. */
  retryAfterMs?: number;
}

/** Counters of a batch publisher. */
export interface BatchPublisherStats {
  published: number;
  spooled: number;
  dropped: number;
  buffered: number;
  spoolBytes: number;
}

/** Nats-Msg-Id of a message holding these record ids: the same records give the same id, so a re-send is dropped. */
export function batchMessageId(ids: readonly string[]): string {
  if (ids.length === 1) return ids[0]!;
  return `b${ids.length}-${createHash('sha1').update(ids.join('\n')).digest('base64url')}`;
}

/**
 * Buffers records in memory and publishes them to JetStream in rounds. A round goes out as a few messages, each
 * a JSON array of records with a Nats-Msg-Id derived from their ids (batchMessageId), so a re-send of the same
 * message is de-duplicated by JetStream; the log service also skips records whose id is stored already. Records that cannot be acknowledged go to a bounded spool file and are re-sent
 * once NATS answers again. `push` never blocks and never throws.
 */
export class NatsBatchPublisher<T> {
  private readonly js: JetStreamClient;
  private readonly spool: SpoolFile;
  private readonly batchSize: number;
  private readonly maxMessageBytes: number;
  private readonly maxBuffered: number;
  private readonly publishTimeoutMs: number;
  private readonly retryAfterMs: number;
  private readonly timer: NodeJS.Timeout;
  private buffer: T[] = [];
  private pumping: Promise<void> | undefined;
  private degradedUntil = 0;
  private spoolPending = true;
  private closed = false;
  private connected = true;
  private readonly counts = { published: 0, spooled: 0, dropped: 0 };

  constructor(
    private readonly options: BatchPublisherOptions,
    private readonly idOf: (record: T) => string,
  ) {
    this.js = jetstream(options.nc);
    this.spool = new SpoolFile(options.spoolFile, options.maxSpoolBytes ?? 64 * 1024 * 1024);
    this.batchSize = options.batchSize ?? 500;
    this.maxMessageBytes = options.maxMessageBytes ?? 256 * 1024;
    this.maxBuffered = options.maxBuffered ?? 50_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 2000;
    this.retryAfterMs = options.retryAfterMs ?? 1000;
    this.timer = setInterval(() => void this.pump(), options.flushIntervalMs ?? 100);
    this.timer.unref();
    void this.watchStatus();
  }

  /** Spools at once while the connection is down instead of waiting for ack timeouts. */
  private async watchStatus(): Promise<void> {
    try {
      for await (const status of this.options.nc.status()) {
        if (status.type === 'disconnect') this.connected = false;
        else if (status.type === 'reconnect') {
          this.connected = true;
          this.degradedUntil = 0;
        }
        if (this.closed) break;
      }
    } catch {
      // The connection closed: isClosed() takes over.
    }
  }

  /** Queues one record; drops it (and counts it) only when the in-memory buffer is full. */
  push(record: T): void {
    if (this.closed || this.buffer.length >= this.maxBuffered) {
      this.counts.dropped++;
      return;
    }
    this.buffer.push(record);
    if (this.buffer.length === this.batchSize) setImmediate(() => void this.pump());
  }

  /** Records dropped since start (buffer or spool full). */
  get droppedSoFar(): number {
    return this.counts.dropped;
  }

  /** Counters so far. */
  async stats(): Promise<BatchPublisherStats> {
    return { ...this.counts, buffered: this.buffer.length, spoolBytes: await this.spool.size() };
  }

  /** Publishes (or spools) everything buffered now, and tries the spool once. */
  async flush(): Promise<void> {
    await this.pump();
    if (this.buffer.length > 0 || this.spoolPending) {
      this.degradedUntil = 0;
      await this.pump();
    }
  }

  /** Flushes what it can and stops the timer; what could not be sent stays in the spool for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearInterval(this.timer);
    await this.pumping;
  }

  private pump(): Promise<void> {
    this.pumping ??= this.run().finally(() => {
      this.pumping = undefined;
    });
    return this.pumping;
  }

  private async run(): Promise<void> {
    try {
      while (this.buffer.length > 0 || (this.spoolPending && !this.degraded())) {
        if (this.buffer.length > 0) await this.send(this.buffer.splice(0, this.batchSize));
        else await this.drainSpool();
      }
    } catch {
      // Spool I/O failed (disk full, permissions): keep the process alive; the next round retries.
    }
  }

  private degraded(): boolean {
    return !this.connected || Date.now() < this.degradedUntil || this.options.nc.isClosed();
  }

  private async send(batch: T[]): Promise<void> {
    const failed = this.degraded() ? batch : await this.publish(batch);
    if (failed.length > 0) await this.toSpool(failed.map((r) => JSON.stringify(r)));
  }

  private async toSpool(records: string[]): Promise<void> {
    const dropped = await this.spool.append(records);
    this.counts.dropped += dropped;
    this.counts.spooled += records.length - dropped;
    this.spoolPending = true;
  }

  /** Splits serialized records into JSON-array payloads under maxMessageBytes (and the server's max_payload). */
  private pack(texts: readonly string[]): Array<{ from: number; to: number; payload: string }> {
    const limit = this.messageLimit();
    const messages: Array<{ from: number; to: number; payload: string }> = [];
    let from = 0;
    let bytes = 2;
    for (let i = 0; i <= texts.length; i++) {
      const size = i < texts.length ? Buffer.byteLength(texts[i]!) + 1 : 0;
      if (i === texts.length || (i > from && bytes + size > limit)) {
        if (i > from) messages.push({ from, to: i, payload: `[${texts.slice(from, i).join(',')}]` });
        from = i;
        bytes = 2;
      }
      bytes += size;
    }
    return messages;
  }

  /** Publishes a batch as a few array messages, all in flight at once; returns the records that were not acknowledged. */
  /** Largest payload of one message: maxMessageBytes, under the server's max_payload. */
  private messageLimit(): number {
    const serverMax = this.options.nc.info?.max_payload ?? 1024 * 1024;
    return Math.max(1024, Math.min(this.maxMessageBytes, serverMax - 4096));
  }

  /**
   * The messages of a batch: usually the whole batch fits one, serialized at once (the same JSON array pack() would
   * make, for a fraction of the work); otherwise each record is serialized and packed.
   */
  private messagesOf(batch: readonly T[]): Array<{ from: number; to: number; payload: string }> {
    const whole = JSON.stringify(batch);
    const limit = this.messageLimit();
    // A UTF-16 unit takes at most 3 UTF-8 bytes: the exact length is counted only when the bound says it may not fit.
    if (whole.length * 3 <= limit || Buffer.byteLength(whole) <= limit) return [{ from: 0, to: batch.length, payload: whole }];
    return this.pack(batch.map((record) => JSON.stringify(record)));
  }

  private async publish(batch: T[]): Promise<T[]> {
    const messages = this.messagesOf(batch);
    const results = await Promise.allSettled(
      messages.map((m) =>
        this.js.publish(this.options.subject, m.payload, {
          msgID: batchMessageId(batch.slice(m.from, m.to).map((record) => this.idOf(record))),
          timeout: this.publishTimeoutMs,
        }),
      ),
    );
    const failed: T[] = [];
    messages.forEach((m, i) => {
      if (results[i]!.status === 'rejected') failed.push(...batch.slice(m.from, m.to));
    });
    this.counts.published += batch.length - failed.length;
    if (failed.length > 0) this.degradedUntil = Date.now() + this.retryAfterMs;
    return failed;
  }

  private async drainSpool(): Promise<void> {
    const records = await this.spool.readAll();
    let sent = 0;
    while (sent < records.length) {
      const chunk = records.slice(sent, sent + this.batchSize);
      const failed = await this.publish(chunk.map((r) => JSON.parse(r) as T));
      if (failed.length > 0) {
        await this.spool.replace([...failed.map((r) => JSON.stringify(r)), ...records.slice(sent + chunk.length)]);
        return;
      }
      sent += chunk.length;
    }
    await this.spool.replace([]);
    this.spoolPending = false;
  }
}
