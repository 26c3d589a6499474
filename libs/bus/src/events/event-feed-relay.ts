import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import { PULL_EXPIRES_MS, ResilientPull } from '../jetstream/resilient-pull.js';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { EventStreams } from '@msec/contracts';
import { publishFailed } from '../bus.errors.js';
import { BusConsumers, BusHeaders, BusStreams } from '../jetstream/bus-subjects.js';
import { ensureBusStreams } from '../jetstream/bus-streams.js';

/**
 * Copies every domain event from the event stream to the automation feed (`msec.evt.X` → `msec.feed.X`), in order,
 * through one durable consumer: an event appended while the relay was down is copied when it returns, and a copy
 * repeated after a crash is stored once (the feed de-duplicates by the event id).
 */
export class EventFeedRelay {
  private pull: ResilientPull | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: { retryDelayMs?: number; onError?: (error: unknown) => void } = {},
  ) {}

  /** Creates the streams and the relay's consumer if missing, then copies events as they come. */
  async start(): Promise<void> {
    if (this.pull) return;
    const jsm = await jetstreamManager(this.nc);
    await ensureBusStreams(jsm);
    const durable = BusConsumers.feedRelay;
    await ensureConsumer(jsm, BusStreams.events, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: EventStreams.allSubjects,
      ack_wait: nanos(30_000),
      // One at a time keeps the feed in the order of the event stream.
      max_ack_pending: 1,
    });
    this.pull = new ResilientPull(
      async () =>
        (await jetstream(this.nc).consumers.get(BusStreams.events, durable)).consume({ max_messages: 64, expires: PULL_EXPIRES_MS }),
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
    const subject = `${EventStreams.feedSubjectPrefix}${m.subject.slice(EventStreams.subjectPrefix.length)}`;
    const msgId = m.headers?.get(BusHeaders.natsMsgId) || m.headers?.get(BusHeaders.msgId) || `${BusStreams.events}-${m.seq}`;
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
