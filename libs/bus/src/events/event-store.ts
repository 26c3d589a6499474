import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import { appendConflict, invalidField, publishFailed } from '../bus.errors.js';
import { BusHeaders, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { ensureBusStreams } from '../jetstream/bus-streams.js';
import type { DomainEvent, StoredEvent } from './event-envelope.js';
import { scanStream } from '../jetstream/stream-reader.js';
import { validateMsgId, validateSubject } from '../messaging/message-validation.js';

/** Result of an append: where the event landed and whether JetStream saw its id before. */
export interface AppendResult {
  seq: number;
  duplicate: boolean;
}

/** The events of one aggregate (one subject) and the stream sequence of its last one (0 when it has none). */
export interface AggregateEvents<TEvent extends DomainEvent = DomainEvent> {
  events: StoredEvent<TEvent>[];
  lastSeq: number;
}

/** Appends domain events to the JetStream event stream (file storage), awaiting the acknowledgement. */
export class EventStore {
  private readonly js: JetStreamClient;
  private jsm: JetStreamManager | undefined;

  constructor(private readonly nc: NatsConnection) {
    this.js = jetstream(nc);
  }

  /** Creates the bus streams if missing. */
  async init(): Promise<void> {
    this.jsm ??= await jetstreamManager(this.nc);
    await ensureBusStreams(this.jsm);
  }

  /** The stream sequence of the last event under `subject`, 0 when none: what the next append expects. */
  async lastSequence(subject: string): Promise<number> {
    return (await this.last(subject))?.seq ?? 0;
  }

  /** The last event under `subject` (one aggregate), or null when it has none. */
  async last<TEvent extends DomainEvent = DomainEvent>(subject: string): Promise<StoredEvent<TEvent> | null> {
    validateSubject(subject);
    this.jsm ??= await jetstreamManager(this.nc);
    try {
      const message = await this.jsm.streams.getMessage(BusStreams.events, { last_by_subj: BusSubjects.event(subject) });
      return message ? { event: message.json<TEvent>(), seq: message.seq, subject } : null;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      throw error;
    }
  }

  /** Every event under `subject` (one aggregate), oldest first. */
  async read<TEvent extends DomainEvent = DomainEvent>(subject: string): Promise<AggregateEvents<TEvent>> {
    validateSubject(subject);
    const events: StoredEvent<TEvent>[] = [];
    const prefix = BusSubjects.event('').length;
    await scanStream(this.nc, BusStreams.events, BusSubjects.event(subject), (m) => {
      events.push({ event: m.json<TEvent>(), seq: m.seq, subject: m.subject.slice(prefix) });
      return true;
    });
    return { events, lastSeq: events.at(-1)?.seq ?? 0 };
  }

  /**
   * Appends `events` under one aggregate's `subject`, the first only if the aggregate's last event is still at
   * `expectedLastSubjectSeq` (0: it has none), each next one after the one before. Throws BUS_APPEND_CONFLICT
   * when another writer got there first. Returns the sequence of the last event appended.
   */
  async appendAll(subject: string, events: DomainEvent[], expectedLastSubjectSeq: number): Promise<number> {
    let last = expectedLastSubjectSeq;
    for (const event of events) last = (await this.append(subject, event, { expectedLastSubjectSeq: last })).seq;
    return last;
  }

  /**
   * Appends `event` under `subject` (e.g. `registry.service`). The publish id defaults to the event id, so
   * retrying an append inside JetStream's duplicate window stores the event once.
   */
  async append(
    subject: string,
    event: DomainEvent,
    options: { msgId?: string; expectedLastSubjectSeq?: number } = {},
  ): Promise<AppendResult> {
    validateSubject(subject);
    for (const field of ['type', 'id', 'occurredAt', 'aggregateId'] as const) {
      if (typeof event[field] !== 'string' || event[field].length === 0) throw invalidField(`event.${field}`, 'must be a non-empty string');
    }
    if (!Number.isInteger(event.version) || event.version < 1) throw invalidField('event.version', 'must be a positive integer');
    const msgId = validateMsgId(options.msgId ?? event.id, 'msgId');
    const h = headers();
    h.set(BusHeaders.msgId, msgId);
    const full = BusSubjects.event(subject);
    try {
      const ack = await this.js.publish(full, JSON.stringify(event), {
        msgID: msgId,
        headers: h,
        expect: {
          streamName: BusStreams.events,
          ...(options.expectedLastSubjectSeq === undefined ? {} : { lastSubjectSequence: options.expectedLastSubjectSeq }),
        },
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence)
        throw appendConflict(subject, options.expectedLastSubjectSeq ?? 0);
      throw publishFailed(full, error);
    }
  }
}
