import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { MessageBus } from '../messaging/message-bus.js';
import { traceMessage, type MessageTrace } from '../messaging/message-trace.js';
import { validateMsgId } from '../messaging/message-validation.js';
import { streamNotFound } from '../bus.errors.js';
import { BusStreams } from '../jetstream/bus-subjects.js';
import { DeadLetterStore } from '../messaging/dead-letters.js';

/** One stream as the console's Messages page shows it. */
export interface StreamSummary {
  name: string;
  subjects: string[];
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
  maxAgeMs: number;
}

/** One consumer with its lag. */
export interface ConsumerSummary {
  stream: string;
  name: string;
  filterSubject: string;
  /** Messages not yet delivered (lag). */
  pending: number;
  /** Delivered, not yet acknowledged. */
  ackPending: number;
  redelivered: number;
  durable: boolean;
}

/** Read and repair operations for the REST gateway, CLI and console (callers check the admin role). */
export class BusAdmin {
  readonly deadLetters: DeadLetterStore;

  constructor(private readonly bus: MessageBus) {
    this.deadLetters = new DeadLetterStore(bus);
  }

  /** The bus streams with their counts. */
  async listStreams(): Promise<StreamSummary[]> {
    const jsm = await this.bus.manager();
    const out: StreamSummary[] = [];
    for await (const s of jsm.streams.list()) {
      out.push({
        name: s.config.name,
        subjects: s.config.subjects ?? [],
        messages: s.state.messages,
        bytes: s.state.bytes,
        firstSeq: s.state.first_seq,
        lastSeq: s.state.last_seq,
        consumers: s.state.consumer_count,
        maxAgeMs: Math.round((s.config.max_age ?? 0) / 1e6),
      });
    }
    return out;
  }

  /** Consumers of one stream (default: the message stream) with their lag. */
  async listConsumers(stream: string = BusStreams.messages): Promise<ConsumerSummary[]> {
    const jsm = await this.bus.manager();
    const out: ConsumerSummary[] = [];
    try {
      await jsm.streams.info(stream);
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) throw streamNotFound(stream);
      throw error;
    }
    for await (const c of jsm.consumers.list(stream)) {
      out.push({
        stream,
        name: c.name,
        filterSubject: c.config.filter_subject ?? '',
        pending: c.num_pending,
        ackPending: c.num_ack_pending,
        redelivered: c.num_redelivered,
        durable: c.config.durable_name !== undefined,
      });
    }
    return out;
  }

  /** Everything known about a message id: content, producer, publish time, deliveries, dead-letter state. */
  async trace(msgId: string): Promise<MessageTrace> {
    return traceMessage(this.bus.nc, validateMsgId(msgId));
  }
}
