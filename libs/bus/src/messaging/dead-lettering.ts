import type { JsMsg } from '@nats-io/jetstream';
import { BusHeaders, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { copyHeaders, type BusMessage } from './message-codec.js';
import type { MessageBus } from './message-bus.js';
import { TraceKind } from './message-trace.js';
import { validateSubject } from './message-validation.js';

/** Who gave up on a message, and after what. */
export interface DeadLetterCause {
  group: string;
  consumer: string;
  attempts: number;
  reason: string;
  /** When the dead-letter stream does not take it: the delay before the message comes back to try again. */
  retryDelayMs: number;
}

/**
 * Moves a message its group gave up on to the dead-letter stream (with the group, attempts and reason in headers)
 * and ends its delivery; when the dead-letter stream does not take it, the message comes back after `retryDelayMs`.
 */
export async function sendToDeadLetters(bus: MessageBus, m: JsMsg, message: BusMessage, cause: DeadLetterCause): Promise<void> {
  validateSubject(message.subject);
  const h = copyHeaders(m.headers);
  h.set(BusHeaders.msgId, message.msgId);
  h.set(BusHeaders.deadGroup, cause.group);
  h.set(BusHeaders.deadAttempts, String(cause.attempts));
  h.set(BusHeaders.deadReason, cause.reason.slice(0, 500));
  h.set(BusHeaders.deadAt, String(Date.now()));
  const redrives = h.get(BusHeaders.redriveCount) || '0';
  try {
    await bus.js.publish(BusSubjects.deadLetter(cause.group, message.subject), m.data, {
      headers: h,
      msgID: `${message.msgId}.${cause.group}.${redrives}`,
      expect: { streamName: BusStreams.deadLetters },
    });
  } catch {
    // Not stored: leave the message to come back and try again.
    m.nak(cause.retryDelayMs);
    return;
  }
  m.term();
  bus.trace.record({
    kind: TraceKind.dead,
    msgId: message.msgId,
    at: Date.now(),
    subject: message.subject,
    group: cause.group,
    consumer: cause.consumer,
    attempt: cause.attempts,
    error: cause.reason,
  });
}
