import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import { AckPolicy, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { PULL_EXPIRES_MS, ResilientPull } from '../jetstream/resilient-pull.js';
import { nanos } from '@nats-io/transport-node';
import { invalidField } from '../bus.errors.js';
import { BusConsumers, BusHeaders, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { copyHeaders } from './message-codec.js';
import type { MessageBus } from './message-bus.js';
import { Subscription, type MessageHandler, type SubscribeOptions } from './subscription.js';
import { consumerRules, takesMessage, type ConsumerRules } from './consumer-rules.js';

const MESSAGE_PREFIX = BusSubjects.message('');
const DEFAULT_PARTITIONS = 8;
/** How long a relay may hold a message before another member relays it (it died): short, as it blocks the subject. */
const RELAY_LEASE_MS = 5_000;

/** FNV-1a of a key: the same partition in every process and language. */
export function keyPartition(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

/**
 * A key-ordered group subscription. One relay at a time across the group (a consumer that lets one message be in
 * flight) copies each message, in publish order, into the partition its key hashes to; each partition is a consumer
 * that lets one message be in flight across the group, so a key's messages run one at a time and in order, and a
 * failed one is retried (after its back-off) before the next of its partition runs. A member that dies holding a
 * message loses it to another member when its lease ends; the copy keeps its message id, so a relay repeated after a
 * crash is stored once.
 */
export class OrderedSubscription {
  readonly base: string;
  private readonly partitions: number;
  private readonly rules: ConsumerRules;
  private readonly parts: Subscription[] = [];
  private relayPull: ResilientPull | undefined;
  private resolveClosed!: () => void;
  readonly closed: Promise<void> = new Promise((r) => (this.resolveClosed = r));

  constructor(
    private readonly bus: MessageBus,
    readonly subject: string,
    private readonly handler: MessageHandler,
    private readonly options: SubscribeOptions,
  ) {
    if (options.broadcast)
      throw invalidField('orderedBy', 'needs a consumer group: ordering by key is for group subscriptions, not broadcast');
    if (options.atMostOnce) throw invalidField('orderedBy', 'cannot be combined with atMostOnce: an ordered key waits for its retries');
    if (typeof options.group !== 'string') throw invalidField('group', 'must name the consumer group of a key-ordered subscription');
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    if (!Number.isInteger(this.partitions) || this.partitions < 1 || this.partitions > 64)
      throw invalidField('partitions', 'must be a whole number from 1 to 64 (default 8)');
    this.base = BusConsumers.group(options.group, subject);
    this.rules = consumerRules(bus, subject, options);
  }

  get group(): string {
    return this.options.group!;
  }

  async start(): Promise<void> {
    const { tags: _tags, tagMode: _mode, orderedBy: _ordered, partitions: _partitions, ...rest } = this.options;
    for (let p = 0; p < this.partitions; p += 1) {
      const part = new Subscription(
        this.bus,
        this.subject,
        this.handler,
        { ...rest, concurrency: 1 },
        {
          stream: BusStreams.ordered,
          filterSubject: BusSubjects.ordered(this.base, p),
          durableName: BusConsumers.orderedPartition(this.base, p),
          maxAckPending: 1,
        },
      );
      await part.start();
      this.parts.push(part);
    }
    await this.startRelay();
  }

  async stop(): Promise<void> {
    await this.relayPull?.stop();
    await Promise.all(this.parts.map((part) => part.stop()));
    this.resolveClosed();
  }

  private async startRelay(): Promise<void> {
    const jsm = await this.bus.manager();
    const name = BusConsumers.orderedRelay(this.base);
    const config = {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: this.options.startFrom === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      filter_subject: BusSubjects.message(this.subject),
      ack_wait: nanos(RELAY_LEASE_MS),
      max_deliver: -1,
      // One message relayed at a time across the group: the relay keeps publish order.
      max_ack_pending: 1,
    };
    this.relayPull = new ResilientPull(
      async () => {
        await ensureConsumer(jsm, BusStreams.messages, config);
        return (await this.bus.js.consumers.get(BusStreams.messages, name)).consume({ max_messages: 1, expires: PULL_EXPIRES_MS });
      },
      (m) => this.relay(m),
    );
    await this.relayPull.start();
  }

  private async relay(m: JsMsg): Promise<void> {
    const h = m.headers;
    const target = h?.get(BusHeaders.targetGroup);
    const tags = h?.get(BusHeaders.tags) ?? '';
    if (!takesMessage(this.rules, this.group, target, tags === '' ? [] : tags.split(','))) {
      m.ack();
      return;
    }
    const msgId = h?.get(BusHeaders.msgId) || h?.get(BusHeaders.natsMsgId) || `${m.seq}`;
    const key = h?.get(BusHeaders.key) || msgId;
    const copy = copyHeaders(h);
    copy.set(BusHeaders.subject, m.subject.slice(MESSAGE_PREFIX.length));
    copy.set(BusHeaders.msgId, msgId);
    // A re-driven dead letter is a new delivery of the same id: its redrive count keeps it apart.
    copy.set(BusHeaders.natsMsgId, `${msgId}.${h?.get(BusHeaders.redriveCount) || '0'}`);
    try {
      await this.bus.js.publish(BusSubjects.ordered(this.base, keyPartition(key, this.partitions)), m.data, { headers: copy });
      m.ack();
    } catch {
      // Not stored: the relay tries this message again before any later one.
      m.nak(1000);
    }
  }
}
