import { nuid } from '@nats-io/transport-node';
import { LessThan, type DataSource, type EntityManager } from 'typeorm';
import { MsecError } from '@msec/contracts';
import type { MessageBus, PublishOptions } from './message-bus.js';
import { encodeBody } from './message-codec.js';
import { requireKnownSubject, resolveDueTime, validateMsgId, validateSize, validateSubject, validateTags } from './message-validation.js';
import { OutboxEntity, OutboxState, type OutboxRow } from './outbox.entity.js';

/** A message to send once the surrounding transaction commits. */
export interface OutboxMessage extends PublishOptions {
  subject: string;
  body: unknown;
}

/** Knobs of the relay and watchdog; every field has a default. */
export interface OutboxOptions {
  /** Rows still unsent this long after being written are resent by the watchdog (QMQ: 60 s). */
  watchdogAfterMs?: number;
  /** How often the watchdog scans. */
  watchdogIntervalMs?: number;
  /** Watchdog resends per second at most. */
  watchdogRatePerSecond?: number;
  /** Rows per watchdog scan. */
  batchSize?: number;
  onError?: (error: unknown) => void;
}

/** What a watchdog pass did. */
export interface SweepResult {
  sent: number;
  failed: number;
  parked: number;
}

/**
 * Transactional messages: `enqueue` writes a row in the caller's transaction; after commit the relay
 * publishes it (msgId = row id, so a resend is de-duplicated) and deletes the row; the watchdog resends
 * rows left behind, rate-limited, and parks rows the broker rejects.
 */
export class Outbox {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<SweepResult> | undefined;
  private readonly o: Required<Omit<OutboxOptions, 'onError'>> & Pick<OutboxOptions, 'onError'>;

  constructor(
    private readonly bus: MessageBus,
    private readonly dataSource: DataSource,
    options: OutboxOptions = {},
  ) {
    this.o = {
      watchdogAfterMs: options.watchdogAfterMs ?? 60_000,
      watchdogIntervalMs: options.watchdogIntervalMs ?? 5_000,
      watchdogRatePerSecond: options.watchdogRatePerSecond ?? 200,
      batchSize: options.batchSize ?? 500,
      onError: options.onError,
    };
  }

  /** Validates the message and inserts its row through `em` (the caller's transaction); returns the message id. */
  async enqueue(em: EntityManager, message: OutboxMessage): Promise<string> {
    const subject = validateSubject(message.subject);
    requireKnownSubject(subject, this.bus.options.subjects);
    const tags = validateTags(message.tags);
    const id = message.msgId === undefined ? nuid.next() : validateMsgId(message.msgId);
    const deliverAt = resolveDueTime(message, Date.now()) ?? null;
    const { data, encoding } = encodeBody(message.body);
    if (encoding !== 'json')
      throw new MsecError('VALIDATION_FAILED', 'body: outbox messages carry JSON bodies, not raw bytes', {
        status: 400,
        data: { field: 'body' },
      });
    validateSize(data.length, this.bus.maxMessageBytes);
    const row: OutboxRow = {
      id,
      subject,
      body: new TextDecoder().decode(data),
      tags: tags.join(','),
      deliverAt,
      createdAt: new Date(),
      attempts: 0,
      lastError: null,
      state: OutboxState.pending,
    };
    await em.getRepository(OutboxEntity).insert(row);
    return id;
  }

  /**
   * Runs `work` in a transaction with an `enqueue` bound to it, then relays the enqueued rows after commit.
   * A relay failure is not thrown: the rows stay and the watchdog sends them.
   */
  async transaction<T>(work: (em: EntityManager, enqueue: (message: OutboxMessage) => Promise<string>) => Promise<T>): Promise<T> {
    const ids: string[] = [];
    const result = await this.dataSource.transaction((em) =>
      work(em, async (message) => {
        const id = await this.enqueue(em, message);
        ids.push(id);
        return id;
      }),
    );
    await this.relay(ids);
    return result;
  }

  /** Publishes the given rows now (after their transaction committed); returns how many were sent. */
  async relay(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.dataSource.getRepository(OutboxEntity).findBy(ids.map((id) => ({ id, state: OutboxState.pending })));
    let sent = 0;
    for (const row of rows) if ((await this.send(row)) === 'sent') sent++;
    return sent;
  }

  /** One watchdog pass over rows older than the watchdog age, at the configured rate. */
  async sweep(): Promise<SweepResult> {
    this.sweeping ??= this.doSweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Starts the periodic watchdog. */
  startWatchdog(): void {
    if (this.timer) return;
    const loop = (): void => {
      this.timer = setTimeout(() => {
        this.sweep()
          .catch((error) => this.o.onError?.(error))
          .finally(() => this.timer && loop());
      }, this.o.watchdogIntervalMs);
    };
    loop();
  }

  /** Stops the watchdog and waits for a running pass. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping?.catch(() => undefined);
  }

  /** Rows the broker rejected, for an operator to look at. */
  async parked(): Promise<OutboxRow[]> {
    return this.dataSource.getRepository(OutboxEntity).find({ where: { state: OutboxState.parked }, order: { createdAt: 'ASC' } });
  }

  private async doSweep(): Promise<SweepResult> {
    const cutoff = new Date(Date.now() - this.o.watchdogAfterMs);
    const rows = await this.dataSource.getRepository(OutboxEntity).find({
      where: { state: OutboxState.pending, createdAt: LessThan(cutoff) },
      order: { createdAt: 'ASC' },
      take: this.o.batchSize,
    });
    const result: SweepResult = { sent: 0, failed: 0, parked: 0 };
    const gapMs = 1_000 / this.o.watchdogRatePerSecond;
    for (const row of rows) {
      const started = Date.now();
      const outcome = await this.send(row);
      result[outcome]++;
      const wait = gapMs - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return result;
  }

  private async send(row: OutboxRow): Promise<'sent' | 'failed' | 'parked'> {
    const repo = this.dataSource.getRepository(OutboxEntity);
    try {
      await this.bus.publish(row.subject, JSON.parse(row.body), {
        msgId: row.id,
        ...(row.tags === '' ? {} : { tags: row.tags.split(',') }),
        ...(row.deliverAt === null ? {} : { deliverAt: row.deliverAt }),
      });
      await repo.delete({ id: row.id });
      return 'sent';
    } catch (error) {
      const retryable = error instanceof MsecError ? error.retryable : true;
      const message = error instanceof Error ? error.message : String(error);
      await repo
        .update(
          { id: row.id },
          { attempts: row.attempts + 1, lastError: message.slice(0, 2000), ...(retryable ? {} : { state: OutboxState.parked }) },
        )
        .catch((e) => this.o.onError?.(e));
      this.o.onError?.(error);
      return retryable ? 'failed' : 'parked';
    }
  }
}
