import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import { PULL_EXPIRES_MS, ResilientPull } from '../jetstream/resilient-pull.js';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { EventStreams } from '@msec/contracts';
import { eventHandlerFailed, invalidField } from '../bus.errors.js';
import type { DomainEvent } from './event-envelope.js';
import { platformUpcasters, type EventUpcasters } from './event-upcasters.js';

/** Where a delivered event sits and how often it came. */
export interface EventDelivery {
  /** Sequence in the stream consumed (the feed's own numbering). */
  seq: number;
  /** Subject under the stream's prefix, e.g. `registry.Flight.mod_flight`. */
  subject: string;
  /** 1 on the first delivery, then 2, 3, … */
  deliveryCount: number;
}

/** What an event subscriber does with one event; a throw redelivers it after the retry delay. */
export type EventHandler<TEvent extends DomainEvent = DomainEvent> = (event: TEvent, delivery: EventDelivery) => Promise<void>;

/** Knobs of an event subscriber. */
export interface EventSubscriberOptions {
  /** Durable consumer name: one token of letters, digits, '-' and '_'. */
  durable: string;
  /** Subject filter under the stream's prefix, e.g. `monitor.alarm.>` (see eventSubjectFilter); default every event. */
  filter?: string;
  /** Stream consumed: the event feed (default) or, for console services, the event stream itself. */
  stream?: typeof EventStreams.feed | typeof EventStreams.events;
  /** How long an event may stay unacknowledged (a handler running, a process gone) before it is redelivered. */
  ackWaitMs?: number;
  /** Delay before an event whose handler failed comes back; may depend on the delivery count. */
  retryDelayMs?: number | ((deliveryCount: number) => number);
  /** Where a new consumer starts: every event the stream still holds (default), or only those appended from now on. */
  startAt?: 'all' | 'new';
  /** Upcasters applied before the handler; default the platform's. */
  upcasters?: EventUpcasters;
  onError?: (error: unknown) => void;
}

const DURABLE = /^[A-Za-z0-9_-]{1,200}$/;

/** Checks a durable consumer name (one subject token); the error names the field and the fix. */
export function validateDurableName(durable: unknown): string {
  if (typeof durable !== 'string' || !DURABLE.test(durable)) {
    throw invalidField('durable', "use one token of letters, digits, '-' and '_' (at most 200), e.g. 'latency-autoscaler'");
  }
  return durable;
}

/**
 * At-least-once delivery of domain events through a durable JetStream pull consumer: each event is upcast, handed to
 * the handler, and acknowledged only once the handler resolved; a failure comes back after the retry delay, and events
 * appended while the process was down are delivered when it returns.
 */
export class EventSubscriber<TEvent extends DomainEvent = DomainEvent> {
  private pull: ResilientPull | undefined;
  private readonly stream: string;
  private readonly filter: string;
  private readonly prefix: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly handler: EventHandler<TEvent>,
    private readonly options: EventSubscriberOptions,
  ) {
    validateDurableName(options.durable);
    this.stream = options.stream ?? EventStreams.feed;
    this.prefix = this.stream === EventStreams.feed ? EventStreams.feedSubjectPrefix : EventStreams.subjectPrefix;
    this.filter = `${this.prefix}${options.filter ?? '>'}`;
  }

  /** The consumer's name in the stream. */
  get durable(): string {
    return this.options.durable;
  }

  /** Creates the durable consumer unless it exists (with the same filter), then starts handling events. */
  async start(): Promise<void> {
    if (this.pull) return;
    const jsm = await jetstreamManager(this.nc, { checkAPI: false });
    // The consumer is checked (its filter must match) and made when missing, also when bound again after a fault.
    this.pull = new ResilientPull(
      async () => {
        await this.ensureConsumer(jsm);
        return (await jetstream(this.nc).consumers.get(this.stream, this.options.durable)).consume({
          max_messages: 64,
          expires: PULL_EXPIRES_MS,
        });
      },
      (m) => this.handle(m),
    );
    await this.pull.start();
  }

  /** Stops after the event in hand; the durable consumer keeps the position for the next start. */
  async stop(): Promise<void> {
    const pull = this.pull;
    this.pull = undefined;
    await pull?.stop();
  }

  private async ensureConsumer(jsm: JetStreamManager): Promise<void> {
    const consumer = await ensureConsumer(jsm, this.stream, {
      durable_name: this.options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: this.options.startAt === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      filter_subject: this.filter,
      ack_wait: nanos(this.options.ackWaitMs ?? 30_000),
      max_ack_pending: 256,
    });
    if ((consumer.config.filter_subject ?? '') !== this.filter) {
      throw invalidField(
        'durable',
        `the durable consumer '${this.options.durable}' already reads ${consumer.config.filter_subject ?? 'every event'}, not ${this.filter}; ` +
          'choose another durable name for another set of events',
      );
    }
  }

  private async handle(m: JsMsg): Promise<void> {
    const delivery: EventDelivery = { seq: m.seq, subject: m.subject.slice(this.prefix.length), deliveryCount: m.info.deliveryCount };
    try {
      const raw = JSON.parse(new TextDecoder().decode(m.data)) as TEvent;
      const event = (this.options.upcasters ?? platformUpcasters).upcast(raw);
      await this.handler(event, delivery);
      m.ack();
    } catch (error) {
      this.options.onError?.(eventHandlerFailed(this.options.durable, m.seq, error));
      const retry = this.options.retryDelayMs ?? 5_000;
      m.nak(typeof retry === 'function' ? retry(delivery.deliveryCount) : retry);
    }
  }
}
