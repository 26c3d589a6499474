import { connect, type NatsConnection } from '@nats-io/transport-node';
import type {
  MessageBus,
  Outbox,
  MessageBusOptions,
  MessageHandler,
  OutboxMessage,
  OutboxOptions,
  OutboxRow,
  PublishOptions,
  PublishResult,
  SubscribeOptions,
  Subscription,
  PullOptions,
  OrderedSubscription,
  PullSubscription,
  SweepResult,
} from '@msec/bus';
import type { DataSource, EntityManager } from 'typeorm';
import { readSdkEnvironment, sdkNatsCreds } from '../config/sdk-env.js';
import { mqConnectFailed, mqNotConfigured } from './mq.errors.js';

/** Where and as whom `sdk.mq` connects; every field has a default from the SDK environment. */
export interface MqOptions extends Omit<MessageBusOptions, 'producer'> {
  /** NATS servers (comma-separated); default MSEC_NATS_URL. */
  natsUrl?: string;
  /** Producer name on messages and in the trace; default MSEC_SERVICE, else the host name. */
  producer?: string;
}

/** How a subscription consumes: a durable `group` (one member gets each message) or `broadcast`; tags, retry, at-most-once. */
export type MqSubscribeOptions = SubscribeOptions;

/** Largest body assumed before the first connection tells the server's limit (NATS default 1 MiB less 8 KiB). */
const DEFAULT_MAX_BYTES = 1024 * 1024 - 8 * 1024;

/**
 * Messaging for business services: one NATS connection, opened on first use (never at import), shared by
 * publish, subscribe and outboxes. `publish` resolves once JetStream stored the message; nothing else waits.
 */
export class Mq {
  private nc: NatsConnection | undefined;
  private bus: MessageBus | undefined;
  private opening: Promise<MessageBus> | undefined;
  private readonly outboxes = new Set<MqOutbox>();

  constructor(private readonly options: MqOptions = {}) {}

  /** The connected, initialised bus (connects on first call; a failed attempt is retried on the next). */
  connection(): Promise<MessageBus> {
    if (this.bus) return Promise.resolve(this.bus);
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async open(): Promise<MessageBus> {
    const env = readSdkEnvironment();
    const { natsUrl = env.natsUrl, producer = env.service ?? env.hostName, ...busOptions } = this.options;
    if (!natsUrl) throw mqNotConfigured();
    let nc: NatsConnection;
    try {
      nc = await connect({
        ...sdkNatsCreds(env),
        servers: natsUrl.split(','),
        name: `msec-mq-${producer}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
    } catch (error) {
      throw mqConnectFailed(natsUrl, error);
    }
    // The bus (and TypeORM, BullMQ, Redis behind it) is loaded by the first message sent or consumed, not at import.
    const { MessageBus } = await import('@msec/bus');
    const bus = new MessageBus(nc, { ...busOptions, producer });
    try {
      // A business identity may not create streams; the deploy service made them.
      await bus.attach();
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
    this.nc = nc;
    this.bus = bus;
    return bus;
  }

  /** Subject patterns this process may publish to, when configured. */
  get subjects(): readonly string[] | undefined {
    return this.options.subjects;
  }

  /** Largest body: the server's limit once connected, else the NATS default less header room. */
  get maxMessageBytes(): number {
    return this.bus?.maxMessageBytes ?? this.options.maxMessageBytes ?? DEFAULT_MAX_BYTES;
  }

  /**
   * Publishes (now, after `delayMs`, or at `deliverAt`; with up to 10 tags and an optional `msgId` for
   * de-duplication) and resolves once JetStream stored it. Bad input throws before anything is sent.
   */
  async publish(subject: string, body: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    return (await this.connection()).publish(subject, body, options);
  }

  /**
   * Consumes `pattern` (`*` and `>` allowed) as a member of `group` or as a broadcast listener, with QMQ's
   * tag semantics, retries with back-off (ctx.attempt, ctx.retryAt) and dead letters after the last attempt.
   */
  async subscribe<TBody = unknown>(
    pattern: string,
    handler: MessageHandler<TBody>,
    options: MqSubscribeOptions,
  ): Promise<Subscription | OrderedSubscription> {
    return (await this.connection()).subscribe(pattern, handler, options);
  }

  /**
   * A pull consumer of `group` on `pattern` (QMQ's pull consumer): `fetch(n)` returns up to n messages, each settled
   * with `ack()` or `retry()`, with the same retries with back-off, leases and dead letters as `subscribe`.
   */
  async pull<TBody = unknown>(pattern: string, options: PullOptions): Promise<PullSubscription<TBody>> {
    return (await this.connection()).pull<TBody>(pattern, options);
  }

  /**
   * Transactional messages in the caller's TypeORM transactions (`dataSource` must include OutboxEntity and
   * its table). Rows left unsent (NATS down) are resent by the watchdog, started here.
   */
  outbox(dataSource: DataSource, options: OutboxOptions & { watchdog?: boolean } = {}): MqOutbox {
    const box = new MqOutbox(this, dataSource, options);
    this.outboxes.add(box);
    if (options.watchdog !== false) box.startWatchdog();
    return box;
  }

  /** Stops outbox watchdogs and subscriptions (in-flight handlers finish), then drains the connection. */
  async close(): Promise<void> {
    await Promise.all([...this.outboxes].map((b) => b.stop()));
    this.outboxes.clear();
    const opening = this.opening;
    this.opening = undefined;
    await opening?.catch(() => undefined);
    await this.bus?.close().catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
    this.bus = undefined;
    this.nc = undefined;
  }
}

/**
 * An outbox that does not need NATS to write: rows go into the caller's transaction at once, and are
 * published after commit over the lazily opened connection (the watchdog resends them if that fails).
 */
export class MqOutbox {
  private readonly ready: Promise<Outbox>;

  constructor(mq: Mq, dataSource: DataSource, options: OutboxOptions = {}) {
    // Outbox needs only publish, the subject list and the size limit: a facade over the lazy connection
    // lets a transaction enqueue while NATS is unreachable.
    const facade = {
      get options(): MessageBusOptions {
        return { ...(mq.subjects ? { subjects: mq.subjects } : {}) };
      },
      get maxMessageBytes(): number {
        return mq.maxMessageBytes;
      },
      publish: (subject: string, body: unknown, o?: PublishOptions) => mq.publish(subject, body, o),
    };
    // Loaded on first use like the rest of the bus; a caller with a DataSource has TypeORM loaded already.
    this.ready = import('@msec/bus').then(({ Outbox }) => new Outbox(facade as unknown as MessageBus, dataSource, options));
  }

  /** Runs `work` in a transaction; messages it enqueues are committed with it and published after commit. */
  transaction<T>(work: (em: EntityManager, enqueue: (message: OutboxMessage) => Promise<string>) => Promise<T>): Promise<T> {
    return this.ready.then((outbox) => outbox.transaction(work));
  }

  /** Writes a message row through `em` (a transaction the caller runs); call `relay([id])` after commit, or let the watchdog send it. */
  enqueue(em: EntityManager, message: OutboxMessage): Promise<string> {
    return this.ready.then((outbox) => outbox.enqueue(em, message));
  }

  /** Publishes committed rows now. */
  relay(ids: readonly string[]): Promise<number> {
    return this.ready.then((outbox) => outbox.relay(ids));
  }

  /** One watchdog pass (tests, shutdown). */
  sweep(): Promise<SweepResult> {
    return this.ready.then((outbox) => outbox.sweep());
  }

  /** Starts the periodic watchdog (done by `mq.outbox()` unless `watchdog: false`). */
  startWatchdog(): void {
    void this.ready.then((outbox) => outbox.startWatchdog());
  }

  /** Rows the broker rejected. */
  parked(): Promise<OutboxRow[]> {
    return this.ready.then((outbox) => outbox.parked());
  }

  /** Stops the watchdog. */
  stop(): Promise<void> {
    return this.ready.then((outbox) => outbox.stop());
  }
}

/** The process's `mq`, connecting to MSEC_NATS_URL as MSEC_SERVICE on first use. */
export const mq = new Mq();
