import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { headers } from '@nats-io/transport-node';
import { invalidField, publishFailed } from './bus.errors.js';
import { BusHeaders, BusStreams, BusSubjects } from './bus-subjects.js';
import { ensureBusStreams } from './bus-streams.js';
import type { DomainEvent } from './event-envelope.js';
import { validateMsgId, validateSubject } from './message-validation.js';

/** Result of an append: where the event landed and whether JetStream saw its id before. */
export interface AppendResult {
  seq: number;
  duplicate: boolean;
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
      throw publishFailed(full, error);
    }
  }
}
