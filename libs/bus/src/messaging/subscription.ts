import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { PULL_EXPIRES_MS, ResilientPull } from '../jetstream/resilient-pull.js';
import { nanos, nuid } from '@nats-io/transport-node';
import { invalidField } from '../bus.errors.js';
import { BusConsumers, BusHeaders, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { decodeMessage, type BusMessage } from './message-codec.js';
import { sendToDeadLetters } from './dead-lettering.js';
import type { MessageBus } from './message-bus.js';
import { TraceKind } from './message-trace.js';
import { validateSubjectPattern } from './message-validation.js';
import { consumerRules, takesMessage, type ConsumerRules } from './consumer-rules.js';
import type { RetryPolicy, RetryPolicySpec } from './retry/retry-policy.js';
import type { TagMode } from './tag-matcher.js';

/** What a handler knows about the delivery in hand. */
export interface DeliveryContext {
  /** 1 on the first delivery, 2 on the first retry, … */
  attempt: number;
  maxAttempts: number;
  group: string;
  /** `<group>@<instance>`. */
  consumer: string;
  /** Ask for the next attempt at a time (Date or epoch ms) instead of the policy's delay; return normally after. */
  retryAt(when: Date | number): void;
}

/** Handles one message; throwing (or calling `ctx.retryAt`) asks for another attempt. */
export type MessageHandler<TBody = unknown> = (message: BusMessage<TBody>, ctx: DeliveryContext) => Promise<void> | void;

/** How a subscription consumes. */
export interface SubscribeOptions {
  /** Consumer group: each message goes to one member; durable across restarts. Required unless broadcast. */
  group?: string;
  /** Every instance receives every message published while it runs (no group sharing). */
  broadcast?: boolean;
  /** Only messages carrying these tags (QMQ semantics, see tagsMatch). */
  tags?: string[];
  tagMode?: TagMode;
  /** Retry policy for this subscription (else the bus's per-subject policy). */
  retry?: RetryPolicySpec | RetryPolicy;
  /** Acknowledge before handling and drop redeliveries: each message is handled at most once. */
  atMostOnce?: boolean;
  /** Lease: a message unacknowledged this long (its consumer died) goes to another member. */
  ackLeaseMs?: number;
  /** Messages handled at once by this instance. */
  concurrency?: number;
  /** Where a new group starts: only new messages (default, as QMQ) or everything retained. */
  startFrom?: 'new' | 'all';
  /**
   * `key`: messages published with the same `key` are handled one at a time, in publish order, across the whole group;
   * different keys in parallel (spread over `partitions`). A message without a key is ordered by its id (any order).
   */
  orderedBy?: 'key';
  /** Partitions of a key-ordered subscription: how many keys are handled at once across the group (1–64, default 8). */
  partitions?: number;
}

/** Where a subscription reads, when not the message stream (the partitions of a key-ordered subscription). */
export interface SubscriptionSource {
  stream: string;
  filterSubject: string;
  durableName: string;
  /** Messages in flight across the whole group: 1 keeps the partition in order. */
  maxAckPending: number;
}

const MESSAGE_PREFIX = BusSubjects.message('');
const GROUP = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** One running consumer: a durable group member or a broadcast listener. */
export class Subscription {
  readonly group: string;
  readonly consumerName: string;
  readonly consumer: string;
  private readonly rules: ConsumerRules;
  private readonly concurrency: number;
  private pull: ResilientPull | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private resolveClosed!: () => void;
  /** Settles when the subscription has stopped. */
  readonly closed: Promise<void> = new Promise((r) => (this.resolveClosed = r));

  constructor(
    private readonly bus: MessageBus,
    readonly subject: string,
    private readonly handler: MessageHandler,
    private readonly options: SubscribeOptions,
    private readonly source?: SubscriptionSource,
  ) {
    validateSubjectPattern(subject);
    if (options.group !== undefined && (typeof options.group !== 'string' || !GROUP.test(options.group))) {
      throw invalidField('group', 'must start with a letter, then letters, digits, _ or - (at most 64)');
    }
    if (options.broadcast) {
      this.group = options.group ?? 'broadcast';
      this.consumerName = `bc_${this.group}_${nuid.next()}`;
    } else {
      if (typeof options.group !== 'string' || !GROUP.test(options.group)) {
        throw invalidField('group', 'must name the consumer group (letter first, then letters, digits, _ or -), or set broadcast: true');
      }
      this.group = options.group;
      this.consumerName = source?.durableName ?? BusConsumers.group(options.group, subject);
    }
    this.consumer = `${this.group}@${bus.instanceId}`;
    this.rules = consumerRules(bus, subject, options);
    this.concurrency = Math.max(1, options.concurrency ?? 16);
  }

  /** Creates (or binds to) the consumer and starts handling. */
  async start(): Promise<void> {
    const jsm = await this.bus.manager();
    const stream = this.source?.stream ?? BusStreams.messages;
    const config = {
      ack_policy: AckPolicy.Explicit,
      // A partition holds only what was relayed for its subscription: all of it.
      deliver_policy: this.source !== undefined || this.options.startFrom === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      filter_subject: this.source?.filterSubject ?? BusSubjects.message(this.subject),
      ack_wait: nanos(this.rules.leaseMs),
      // Attempts are counted by the bus (dead letter after the last); the server never gives up on its own.
      max_deliver: -1,
      max_ack_pending: this.source?.maxAckPending ?? Math.max(1_000, this.concurrency * 4),
    };
    const consumerConfig = {
      ...config,
      durable_name: this.consumerName,
      // A broadcast consumer is durable so it survives a NATS restart; removed on stop, or by the server a minute
      // after its instance died.
      ...(this.options.broadcast ? { inactive_threshold: nanos(60_000) } : {}),
    };
    this.pull = new ResilientPull(
      async () => {
        // Made when missing: at the first start, and after a fault in which the cluster lost it.
        await ensureConsumer(jsm, stream, consumerConfig);
        const consumer = await this.bus.js.consumers.get(stream, this.consumerName);
        return consumer.consume({ max_messages: this.concurrency * 2, expires: PULL_EXPIRES_MS });
      },
      async (m) => {
        if (this.inflight.size >= this.concurrency) await Promise.race(this.inflight);
        const p = this.handle(m).finally(() => this.inflight.delete(p));
        this.inflight.add(p);
      },
    );
    await this.pull.start();
  }

  /** Stops fetching, lets in-flight handlers finish, and removes a broadcast consumer. */
  async stop(): Promise<void> {
    const pull = this.pull;
    if (!pull) return;
    this.pull = undefined;
    await pull.stop();
    await Promise.allSettled([...this.inflight]);
    if (this.options.broadcast) {
      const jsm = await this.bus.manager();
      await jsm.consumers.delete(BusStreams.messages, this.consumerName).catch(() => false);
    }
    this.resolveClosed();
  }

  private async handle(m: JsMsg): Promise<void> {
    const target = m.headers?.get(BusHeaders.targetGroup);
    const subject = this.source === undefined ? m.subject.slice(MESSAGE_PREFIX.length) : (m.headers?.get(BusHeaders.subject) ?? '');
    const message = decodeMessage(m.data, m.headers, subject);
    // A re-driven dead letter is meant for one group only; a tag filter QMQ applies on the server.
    if (!takesMessage(this.rules, this.group, target, message.tags)) {
      m.ack();
      return;
    }
    const attempt = m.info.deliveryCount;
    // The first attempt also carries the publish facts, so a message is traceable even without a publish record.
    const base = {
      msgId: message.msgId,
      subject: message.subject,
      group: this.group,
      consumer: this.consumer,
      attempt,
      stream: this.source?.stream ?? BusStreams.messages,
      seq: m.seq,
      ...(attempt === 1 ? { producer: message.producer, publishedAt: message.publishedAt.getTime(), tags: message.tags } : {}),
    };
    if (this.options.atMostOnce) {
      if (attempt > 1) {
        m.term();
        this.bus.trace.record({ ...base, kind: TraceKind.dropped, at: Date.now(), error: 'redelivery dropped (at-most-once)' });
        return;
      }
      await m.ackAck().catch(() => false);
      await this.run(message, attempt).then(
        () => this.bus.trace.record({ ...base, kind: TraceKind.acked, at: Date.now() }),
        (error) => this.bus.trace.record({ ...base, kind: TraceKind.dropped, at: Date.now(), error: describe(error) }),
      );
      return;
    }
    if (attempt > this.rules.policy.maxAttempts) {
      // Leases ran out on every attempt (consumers died holding it): dead-letter without running again.
      await this.deadLetter(m, message, attempt - 1, 'lease expired on the last attempt');
      return;
    }
    const keepAlive = setInterval(() => m.working(), Math.max(500, Math.floor(this.rules.leaseMs / 3)));
    let retryAt: number | undefined;
    let failure: unknown;
    try {
      retryAt = await this.run(message, attempt);
    } catch (error) {
      failure = error;
    } finally {
      clearInterval(keepAlive);
    }
    if (failure === undefined && retryAt === undefined) {
      m.ack();
      this.bus.trace.record({ ...base, kind: TraceKind.acked, at: Date.now() });
      return;
    }
    const reason = failure === undefined ? 'retry requested by handler' : describe(failure);
    if (attempt >= this.rules.policy.maxAttempts) {
      await this.deadLetter(m, message, attempt, reason);
      return;
    }
    const now = Date.now();
    const delay = retryAt === undefined ? this.rules.policy.delayAfter(attempt) : Math.max(0, retryAt - now);
    m.nak(delay);
    this.bus.trace.record({ ...base, kind: TraceKind.retry, at: now, nextAttemptAt: now + delay, error: reason });
  }

  /** Runs the handler; resolves to the requested retry time, if any. */
  private async run(message: BusMessage, attempt: number): Promise<number | undefined> {
    let retryAt: number | undefined;
    const ctx: DeliveryContext = {
      attempt,
      maxAttempts: this.rules.policy.maxAttempts,
      group: this.group,
      consumer: this.consumer,
      retryAt: (when) => {
        retryAt = when instanceof Date ? when.getTime() : when;
      },
    };
    await this.handler(message, ctx);
    return retryAt;
  }

  private deadLetter(m: JsMsg, message: BusMessage, attempts: number, reason: string): Promise<void> {
    return sendToDeadLetters(this.bus, m, message, {
      group: this.group,
      consumer: this.consumer,
      attempts,
      reason,
      retryDelayMs: this.rules.policy.delayAfter(attempts),
    });
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
