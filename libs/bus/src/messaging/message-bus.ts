import { hostname } from 'node:os';
import { JetStreamApiError, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { nuid, type NatsConnection } from '@nats-io/transport-node';
import { busNotCreated, invalidField, publishFailed, publishRejected } from '../bus.errors.js';
import { BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { ensureBusStreams, type BusRetention } from '../jetstream/bus-streams.js';
import { AckPublisher } from './ack-publisher.js';
import { buildHeaders, encodeBody } from './message-codec.js';
import { TraceWriter } from './message-trace.js';
import { requireKnownSubject, resolveDueTime, validateMsgId, validateSize, validateSubject, validateTags } from './message-validation.js';
import type { RetryPolicy, RetryPolicySpec } from './retry/retry-policy.js';
import { resolveRetryPolicy } from './retry/resolve-retry.js';
import { subjectMatches } from './message-validation.js';
import { PullSubscription, type PullOptions } from './pull-subscription.js';
import { OrderedSubscription } from './ordered-subscription.js';
import { Subscription, type MessageHandler, type SubscribeOptions } from './subscription.js';

/** How a message is sent. */
export interface PublishOptions {
  /** Up to 10 tags consumers can select on. */
  tags?: string[];
  /** Deliver after this many ms (under 500 ms means now); at most two years. */
  delayMs?: number;
  /** Deliver at this time (Date or epoch ms); at most two years ahead. */
  deliverAt?: Date | number;
  /** De-duplication id (letters, digits, _ and -); generated when omitted. */
  msgId?: string;
  /** Ordering key (1–256 characters): a key-ordered subscription handles messages of one key one at a time, in order. */
  key?: string;
}

/** What a publish produced. */
export interface PublishResult {
  msgId: string;
  /** Stream the message was stored in: the message stream, or the delay stream until it is due. */
  stream: string;
  seq: number;
  /** JetStream had already stored this msgId within its duplicate window. */
  duplicate: boolean;
  /** Due time (epoch ms) of a delayed message. */
  deliverAt: number | undefined;
}

/** Options of a message bus; every field has a default. */
export interface MessageBusOptions {
  /** Who publishes, recorded on every message and in the trace. */
  producer?: string;
  /** Identifies this process in consumer names and the trace. */
  instanceId?: string;
  /** Subject patterns this bus may publish to; when given, any other subject is refused. */
  subjects?: readonly string[];
  /** Largest body in bytes; defaults to the server's max_payload less room for headers. */
  maxMessageBytes?: number;
  /** Retry policy per subject pattern (first match wins); QMQ's 5 s × 32 otherwise. */
  retry?: Record<string, RetryPolicySpec | RetryPolicy>;
  retention?: BusRetention;
  /**
   * Trace records: `true` (default) records where each publish is stored (batched, see TraceWriter) and every
   * delivery step; `{ publish: false }` skips the publish index, so a message is traceable from its first delivery.
   */
  trace?: boolean | { publish?: boolean; deliveries?: boolean };
  /** How long to wait for a publish acknowledgement. */
  publishTimeoutMs?: number;
}

const HEADER_ROOM = 8 * 1024;

/**
 * QMQ-style messaging on JetStream: publish (now, delayed or scheduled, with tags) and subscribe as a
 * consumer group or broadcast, with retries, dead letters, trace and at-most-once mode.
 */
export class MessageBus {
  readonly js: JetStreamClient;
  readonly producer: string;
  readonly instanceId: string;
  /** Records delivery steps and (when enabled) where each publish is stored. */
  readonly trace: TraceWriter;
  private readonly acks: AckPublisher;
  private jsm: JetStreamManager | undefined;
  private readonly subscriptions = new Set<Subscription | OrderedSubscription>();
  private readonly checkedSubjects = new Set<string>();

  constructor(
    readonly nc: NatsConnection,
    readonly options: MessageBusOptions = {},
  ) {
    this.js = jetstream(nc, { timeout: options.publishTimeoutMs ?? 5_000 });
    this.acks = new AckPublisher(nc, options.publishTimeoutMs ?? 5_000);
    this.instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${nuid.next().slice(-6)}`;
    this.producer = options.producer ?? this.instanceId;
    const trace = options.trace ?? true;
    this.trace = new TraceWriter(nc, {
      steps: typeof trace === 'boolean' ? trace : trace.deliveries !== false,
      publishIndex: typeof trace === 'boolean' ? trace : trace.publish !== false,
    });
  }

  /** Creates or updates the bus streams; call once before use. */
  async init(): Promise<void> {
    this.jsm ??= await jetstreamManager(this.nc);
    await ensureBusStreams(this.jsm, this.options.retention);
  }

  /**
   * For a business client, whose identity may use the bus but not create or change streams: checks the message stream
   * is there (the deploy service creates the bus streams) instead of creating them.
   */
  async attach(): Promise<void> {
    this.jsm ??= await jetstreamManager(this.nc);
    const exists = await this.jsm.streams.info(BusStreams.messages).then(
      () => true,
      () => false,
    );
    if (!exists) throw busNotCreated(BusStreams.messages);
  }

  /** The JetStream manager of this connection. */
  async manager(): Promise<JetStreamManager> {
    this.jsm ??= await jetstreamManager(this.nc);
    return this.jsm;
  }

  /** Largest body this bus accepts, in bytes. */
  get maxMessageBytes(): number {
    return this.options.maxMessageBytes ?? (this.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM;
  }

  /**
   * Validates, then publishes and awaits JetStream's acknowledgement. Bad input throws before anything is
   * sent. A delayed message is stored in the delay stream and moved to the message stream when due.
   */
  async publish(subject: string, body: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    if (!this.checkedSubjects.has(subject)) {
      validateSubject(subject);
      requireKnownSubject(subject, this.options.subjects);
      // Subjects are few and hot: remember the good ones (bounded) instead of re-parsing each publish.
      if (this.checkedSubjects.size > 10_000) this.checkedSubjects.clear();
      this.checkedSubjects.add(subject);
    }
    if (typeof options !== 'object' || options === null) throw invalidField('options', 'must be an object');
    const tags = validateTags(options.tags);
    if (
      options.key !== undefined &&
      (typeof options.key !== 'string' || options.key.length < 1 || options.key.length > 256 || /[\r\n]/.test(options.key))
    )
      throw invalidField('key', 'must be 1 to 256 characters on one line, e.g. the order id');
    const msgId = options.msgId === undefined ? nuid.next() : validateMsgId(options.msgId);
    const now = Date.now();
    const due = resolveDueTime(options, now);
    const { data, encoding } = encodeBody(body);
    validateSize(data.length, this.maxMessageBytes);
    const h = buildHeaders({
      msgId,
      tags,
      producer: this.producer,
      publishedAt: now,
      encoding,
      ...(due === undefined ? {} : { deliverAt: due }),
      ...(options.key === undefined ? {} : { key: options.key }),
    });
    const target = due === undefined ? BusSubjects.message(subject) : BusSubjects.delayed(subject);
    const stream = due === undefined ? BusStreams.messages : BusStreams.delayed;
    let ack;
    try {
      // No expect-stream header on the hot path: the subject prefix belongs to one stream only.
      ack = await this.acks.publish(target, data, h);
    } catch (error) {
      throw error instanceof JetStreamApiError ? publishRejected(target, error) : publishFailed(target, error);
    }
    if (!ack.duplicate) this.trace.published(msgId, stream, ack.seq);
    return { msgId, stream, seq: ack.seq, duplicate: ack.duplicate, deliverAt: due };
  }

  /** The retry policy for a subject: subscribe option, else the first matching configured pattern, else QMQ's default. */
  retryPolicyFor(subject: string, override?: RetryPolicySpec | RetryPolicy): RetryPolicy {
    if (override !== undefined) return resolveRetryPolicy(override);
    for (const [pattern, spec] of Object.entries(this.options.retry ?? {}))
      if (subjectMatches(pattern, subject)) return resolveRetryPolicy(spec);
    return resolveRetryPolicy(undefined);
  }

  /**
   * Starts consuming `subject` (a pattern may use `*` and `>`). With `group`, each message goes to one
   * member of the group; with `broadcast: true`, every instance gets every message.
   */
  async subscribe<TBody = unknown>(
    subject: string,
    handler: MessageHandler<TBody>,
    options: SubscribeOptions,
  ): Promise<Subscription | OrderedSubscription> {
    if (options?.orderedBy !== undefined && options.orderedBy !== 'key') throw invalidField('orderedBy', "must be 'key' or left out");
    const sub =
      options?.orderedBy === 'key'
        ? new OrderedSubscription(this, subject, handler as MessageHandler, options)
        : new Subscription(this, subject, handler as MessageHandler, options);
    await sub.start();
    this.subscriptions.add(sub);
    sub.closed.finally(() => this.subscriptions.delete(sub)).catch(() => undefined);
    return sub;
  }

  /** A pull consumer of `group` on `subject`: `fetch(n)` hands out messages to settle with ack() or retry(). */
  async pull<TBody = unknown>(subject: string, options: PullOptions): Promise<PullSubscription<TBody>> {
    const pull = new PullSubscription<TBody>(this, subject, options);
    await pull.start();
    return pull;
  }

  /** Stops every subscription (in-flight handlers finish first) and sends buffered trace; the connection stays the caller's. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.trace.flush();
    this.acks.close();
  }
}
