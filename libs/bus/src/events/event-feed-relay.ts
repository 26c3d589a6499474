import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import { PULL_EXPIRES_MS, ResilientPull } from '../jetstream/resilient-pull.js';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { EventStreams } from '@msec/contracts';
import { publishFailed } from '../bus.errors.js';
import { BusConsumers, BusHeaders } from '../jetstream/bus-subjects.js';
import { ensureBusStreams } from '../jetstream/bus-streams.js';
import { EVENT_STORE, type EventSource } from './event-source.js';

/** Knobs of a feed relay. */
export interface EventFeedRelayOptions {
  /** The stream relayed; the event store when absent. */
  source?: EventSource;
  /** The relay's durable consumer on the source; one per source. */
  durable?: string;
  retryDelayMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Copies every domain event from an event stream to the automation feed (`msec.evt.X` or `msec.audit.X` →
 * `msec.feed.X`), in order, through one durable consumer: an event appended while the relay was down is copied when it
 * returns, and a copy repeated after a crash is stored once (the feed de-duplicates by the event id).
 */
export class EventFeedRelay {
  private pull: ResilientPull | undefined;
  private readonly source: EventSource;
  private readonly durable: string;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: EventFeedRelayOptions = {},
  ) {
    this.source = options.source ?? EVENT_STORE;
    this.durable = options.durable ?? BusConsumers.feedRelay;
  }

  /** Creates the bus streams (the source's owner makes any other) and the relay's consumer, then copies events as they come. */
  async start(): Promise<void> {
    if (this.pull) return;
    const jsm = await jetstreamManager(this.nc);
    await ensureBusStreams(jsm);
    this.pull = new ResilientPull(
      async () => {
        // Made again when lost (a cluster fault, or the audit stream made anew).
        await ensureConsumer(jsm, this.source.stream, {
          durable_name: this.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: `${this.source.subjectPrefix}>`,
          ack_wait: nanos(30_000),
          // One at a time keeps the feed in the order of the event stream.
          max_ack_pending: 1,
        });
        return (await jetstream(this.nc).consumers.get(this.source.stream, this.durable)).consume({
          max_messages: 64,
          expires: PULL_EXPIRES_MS,
        });
      },
      (m) => this.copy(m),
    );
    await this.pull.start();
  }

  /** Stops copying; the consumer keeps its position. */
  async stop(): Promise<void> {
    const pull = this.pull;
    this.pull = undefined;
    await pull?.stop();
  }

  private async copy(m: JsMsg): Promise<void> {
    const subject = `${EventStreams.feedSubjectPrefix}${m.subject.slice(this.source.subjectPrefix.length)}`;
    const msgId = m.headers?.get(BusHeaders.natsMsgId) || m.headers?.get(BusHeaders.msgId) || `${this.source.stream}-${m.seq}`;
    const h = headers();
    h.set(BusHeaders.msgId, msgId);
    try {
      await jetstream(this.nc).publish(subject, m.data, { msgID: msgId, headers: h, expect: { streamName: EventStreams.feed } });
      m.ack();
    } catch (error) {
      this.options.onError?.(publishFailed(subject, error));
      m.nak(this.options.retryDelayMs ?? 1_000);
    }
  }
}
