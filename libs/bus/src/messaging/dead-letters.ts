import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { deadLetterNotFound, invalidField } from '../bus.errors.js';
import { BusHeaders, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { copyHeaders, decodeMessage, type BusMessage } from './message-codec.js';
import type { MessageBus } from './message-bus.js';
import { TraceKind } from './message-trace.js';
import { validateMsgId, validateSubject } from './message-validation.js';
import { readStream } from '../jetstream/stream-reader.js';

/** A message that used up its attempts in one consumer group. */
export interface DeadLetter {
  /** Sequence in the dead-letter stream. */
  seq: number;
  group: string;
  attempts: number;
  reason: string;
  deadAt: Date;
  redriveCount: number;
  message: BusMessage;
}

/** Which dead letters to list. */
export interface DeadLetterFilter {
  group?: string;
  subject?: string;
  limit?: number;
}

function toDeadLetter(m: JsMsg): DeadLetter {
  const h = m.headers;
  return {
    seq: m.seq,
    group: h?.get(BusHeaders.deadGroup) ?? '',
    attempts: Number(h?.get(BusHeaders.deadAttempts) ?? 0),
    reason: h?.get(BusHeaders.deadReason) ?? '',
    deadAt: new Date(Number(h?.get(BusHeaders.deadAt) ?? 0)),
    redriveCount: Number(h?.get(BusHeaders.redriveCount) || 0),
    message: decodeMessage(m.data, h, m.subject.split('.').slice(3).join('.')),
  };
}

/** Lists, inspects and re-drives dead letters (one dead-letter subject per group and subject). */
export class DeadLetterStore {
  constructor(private readonly bus: MessageBus) {}

  private get nc(): NatsConnection {
    return this.bus.nc;
  }

  /** Dead letters, oldest first, optionally for one group and/or subject. */
  async list(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    if (filter.group !== undefined) validateSubject(filter.group, 'group');
    if (filter.subject !== undefined) validateSubject(filter.subject, 'subject');
    const subject = BusSubjects.deadLetter(filter.group ?? '*', filter.subject ?? '>');
    return readStream(this.nc, BusStreams.deadLetters, subject, filter.limit ?? 1_000).then((msgs) => msgs.map(toDeadLetter));
  }

  private async find(msgId: string, group: string | undefined): Promise<Array<{ letter: DeadLetter; raw: JsMsg }>> {
    validateMsgId(msgId);
    if (group !== undefined) validateSubject(group, 'group');
    const msgs = await readStream(this.nc, BusStreams.deadLetters, BusSubjects.deadLetter(group ?? '*', '>'), 100_000);
    const found = msgs.filter((m) => m.headers?.get(BusHeaders.msgId) === msgId).map((raw) => ({ letter: toDeadLetter(raw), raw }));
    if (found.length === 0) throw deadLetterNotFound(msgId);
    return found;
  }

  /** The dead letters of one message id (one per group it died in); throws BUS_DEAD_LETTER_NOT_FOUND when none. */
  async inspect(msgId: string, group?: string): Promise<DeadLetter[]> {
    return (await this.find(msgId, group)).map((f) => f.letter);
  }

  /**
   * Sends a dead letter back to its subject for its group only (other groups ignore it), with fresh
   * attempts, then removes it from the dead-letter stream. Returns the re-driven entries.
   */
  async redrive(msgId: string, group?: string): Promise<DeadLetter[]> {
    const found = await this.find(msgId, group);
    const jsm = await this.bus.manager();
    for (const { letter: d, raw: original } of found) {
      const h = copyHeaders(undefined);
      const src = copyHeaders(original.headers);
      for (const [k, values] of src) {
        if (k.startsWith('Msec-Dead-') || k === BusHeaders.natsMsgId) continue;
        for (const v of values) h.append(k, v);
      }
      const count = d.redriveCount + 1;
      h.set(BusHeaders.msgId, msgId);
      h.set(BusHeaders.targetGroup, d.group);
      h.set(BusHeaders.redriveCount, String(count));
      await this.bus.js.publish(BusSubjects.message(d.message.subject), original.data, {
        headers: h,
        msgID: `${msgId}.redrive.${d.group}.${count}`,
        expect: { streamName: BusStreams.messages },
      });
      await jsm.streams.deleteMessage(BusStreams.deadLetters, d.seq, false);
      this.bus.trace.record({ kind: TraceKind.redriven, msgId, at: Date.now(), subject: d.message.subject, group: d.group });
    }
    return found.map((f) => f.letter);
  }

  /** Deletes a dead letter for good. */
  async discard(msgId: string, group: string): Promise<number> {
    if (!group) throw invalidField('group', 'name the group whose dead letter to discard');
    const letters = await this.inspect(msgId, group);
    const jsm = await this.bus.manager();
    for (const d of letters) await jsm.streams.deleteMessage(BusStreams.deadLetters, d.seq, false);
    return letters.length;
  }
}
