import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import { AckPolicy, DeliverPolicy, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { invalidField } from '../bus.errors.js';
import { BusConsumers, BusHeaders, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { sendToDeadLetters } from './dead-lettering.js';
import { decodeMessage, type BusMessage } from './message-codec.js';
import type { MessageBus } from './message-bus.js';
import { TraceKind } from './message-trace.js';
import { validateSubjectPattern } from './message-validation.js';
import type { RetryPolicy, RetryPolicySpec } from './retry/retry-policy.js';
import type { TagMode } from './tag-matcher.js';
import { consumerRules, takesMessage, type ConsumerRules } from './consumer-rules.js';

/** How a pull consumer consumes: a group, as for `subscribe`, with the same retries and dead letters. */
export interface PullOptions {
  /** Consumer group: each message goes to one member, push or pull; durable across restarts. */
  group: string;
  tags?: string[];
  tagMode?: TagMode;
  retry?: RetryPolicySpec | RetryPolicy;
  /** A fetched message neither acknowledged nor retried this long goes to another member (default 30 s). */
  ackLeaseMs?: number;
  startFrom?: 'new' | 'all';
}

/** A fetched message: settle it with `ack()` or `retry()`; left alone past its lease, it is delivered again. */
export interface PulledMessage<TBody = unknown> extends BusMessage<TBody> {
  /** 1 on the first delivery, 2 on the first retry, … */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Done: the message is not delivered again. */
  ack(): void;
  /**
   * Not done: delivered again after the retry policy's delay (or at `when`); after the last attempt it goes to the
   * dead letters instead.
   */
  retry(reason?: string, when?: Date | number): Promise<void>;
  /** Still working on it: the lease starts over. */
  extendLease(): void;
}

const MESSAGE_PREFIX = BusSubjects.message('');
const GROUP = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_FETCH = 1000;

/**
 * A pull consumer of a group (QMQ's pull consumer): the caller asks for up to n messages when it is ready for them.
 * Filtering, leases, retries with back-off and dead letters follow the same rules as a push subscription.
 */
export class PullSubscription<TBody = unknown> {
  readonly group: string;
  readonly consumerName: string;
  readonly consumer: string;
  private readonly rules: ConsumerRules;
  private source: Consumer | undefined;

  constructor(
    private readonly bus: MessageBus,
    readonly subject: string,
    private readonly options: PullOptions,
  ) {
    validateSubjectPattern(subject);
    if (typeof options.group !== 'string' || !GROUP.test(options.group)) {
      throw invalidField('group', 'must name the consumer group (letter first, then letters, digits, _ or -)');
    }
    this.group = options.group;
    this.consumerName = BusConsumers.group(options.group, subject);
    this.consumer = `${this.group}@${bus.instanceId}`;
    this.rules = consumerRules(bus, subject, options);
  }

  /** Creates (or binds to) the group's durable consumer. */
  async start(): Promise<void> {
    const jsm = await this.bus.manager();
    await ensureConsumer(jsm, BusStreams.messages, {
      durable_name: this.consumerName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: this.options.startFrom === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      filter_subject: BusSubjects.message(this.subject),
      ack_wait: nanos(this.rules.leaseMs),
      max_deliver: -1,
      max_ack_pending: 1_000,
    });
    this.source = await this.bus.js.consumers.get(BusStreams.messages, this.consumerName);
  }

  /**
   * Up to `max` messages (1–1000): returns once `max` came or after `waitMs` (1000 to 300000, default 1000) with what
   * came by then, none when nothing is there. Messages of other tags or meant for another group are acknowledged and left out.
   */
  async fetch(max: number, waitMs = 1000): Promise<PulledMessage<TBody>[]> {
    if (!Number.isInteger(max) || max < 1 || max > MAX_FETCH) throw invalidField('max', `must be a whole number from 1 to ${MAX_FETCH}`);
    if (!Number.isFinite(waitMs) || waitMs < 1000 || waitMs > 300_000) throw invalidField('waitMs', 'must be from 1000 to 300000 ms');
    if (this.source === undefined) await this.start();
    const batch = await this.source!.fetch({ max_messages: max, expires: waitMs });
    const out: PulledMessage<TBody>[] = [];
    for await (const m of batch) {
      const pulled = await this.admit(m);
      if (pulled !== undefined) out.push(pulled);
    }
    return out;
  }

  private async admit(m: JsMsg): Promise<PulledMessage<TBody> | undefined> {
    const target = m.headers?.get(BusHeaders.targetGroup);
    const message = decodeMessage(m.data, m.headers, m.subject.slice(MESSAGE_PREFIX.length)) as BusMessage<TBody>;
    if (!takesMessage(this.rules, this.group, target, message.tags)) {
      m.ack();
      return undefined;
    }
    const attempt = m.info.deliveryCount;
    if (attempt > this.rules.policy.maxAttempts) {
      // Its lease ran out on every attempt: dead-letter without handing it out again.
      await this.deadLetter(m, message, attempt - 1, 'lease expired on the last attempt');
      return undefined;
    }
    const trace = { msgId: message.msgId, subject: message.subject, group: this.group, consumer: this.consumer, attempt };
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      return true;
    };
    return {
      ...message,
      attempt,
      maxAttempts: this.rules.policy.maxAttempts,
      ack: () => {
        if (!settle()) return;
        m.ack();
        this.bus.trace.record({ ...trace, kind: TraceKind.acked, at: Date.now() });
      },
      retry: async (reason = 'retry requested by the consumer', when) => {
        if (!settle()) return;
        if (attempt >= this.rules.policy.maxAttempts) return this.deadLetter(m, message, attempt, reason);
        const now = Date.now();
        const delay =
          when === undefined ? this.rules.policy.delayAfter(attempt) : Math.max(0, (when instanceof Date ? when.getTime() : when) - now);
        m.nak(delay);
        this.bus.trace.record({ ...trace, kind: TraceKind.retry, at: now, nextAttemptAt: now + delay, error: reason });
      },
      extendLease: () => m.working(),
    };
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
