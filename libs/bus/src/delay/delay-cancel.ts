import { jetstreamManager } from '@nats-io/jetstream';
import type { Redis } from 'ioredis';
import { alreadyDelivered, notScheduled, scheduledNotFound } from '../bus.errors.js';
import { BusHeaders, BusRedisKeys, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import type { MessageBus } from '../messaging/message-bus.js';
import { findPublishLocation, TraceKind } from '../messaging/message-trace.js';
import { validateMsgId } from '../messaging/message-validation.js';
import { scanStream } from '../jetstream/stream-reader.js';

/** The dispatched marker of a message a cancel claimed first; the scheduler then drops it instead of sending it. */
export const CANCELLED_MARKER = 'cancelled';
/** The marker a scheduler sets before it sends a message (and the value after: '1'). */
export const SENDING_MARKER = 'sending';

/** A cancelled scheduled message. */
export interface CancelledMessage {
  msgId: string;
  subject: string;
  /** When it would have been delivered (epoch ms). */
  deliverAt: number;
  /** True when an earlier cancel already withdrew it (a cancel is idempotent). */
  alreadyCancelled: boolean;
}

/** Where the scheduler keeps its index and markers: the same prefix and marker lifetime as the scheduler's. */
export interface CancelOptions {
  prefix?: string;
  markerTtlMs?: number;
}

const MSG_DELETE_API = `$JS.API.STREAM.MSG.DELETE.${BusStreams.delayed}`;

/**
 * Withdraws a delayed or scheduled message before it is due. The decision is one atomic Redis step shared with the
 * scheduler: whichever of the cancel and the dispatch sets the message's marker first wins, so a message is either
 * cancelled or delivered, never both. The record then leaves the due index and the delay stream.
 */
export async function cancelScheduled(
  bus: MessageBus,
  redis: Redis,
  msgId: string,
  options: CancelOptions = {},
): Promise<CancelledMessage> {
  validateMsgId(msgId);
  const prefix = options.prefix ?? 'msec';
  // The publish index says where it is; it is best effort, so the pending delayed messages are searched when it does not.
  const marker = BusRedisKeys.delayDispatched(prefix, msgId);
  const at = (await findPublishLocation(bus.nc, msgId)) ?? (await findDelayed(bus, msgId));
  if (!at) {
    // Not indexed yet and no longer in the delay stream: its marker tells what became of it.
    const state = await redis.get(marker);
    if (state === CANCELLED_MARKER) return { msgId, subject: '', deliverAt: 0, alreadyCancelled: true };
    if (state !== null) throw alreadyDelivered(msgId);
    throw scheduledNotFound(msgId);
  }
  if (at.stream !== BusStreams.delayed) throw notScheduled(msgId);
  const jsm = await jetstreamManager(bus.nc);
  const stored = await jsm.streams.getMessage(BusStreams.delayed, { seq: at.seq }).catch(() => null);
  const claimed = await redis.set(marker, CANCELLED_MARKER, 'PX', options.markerTtlMs ?? 24 * 3_600_000, 'NX');
  if (claimed === null) {
    if ((await redis.get(marker)) !== CANCELLED_MARKER) throw alreadyDelivered(msgId);
    return {
      msgId,
      subject: stored ? subjectOf(stored.subject) : '',
      deliverAt: deliverAtOf(stored?.header.get(BusHeaders.deliverAt)),
      alreadyCancelled: true,
    };
  }
  if (stored === null || (stored.header.get(BusHeaders.msgId) || stored.header.get(BusHeaders.natsMsgId)) !== msgId) {
    // Sent long enough ago that its marker expired: the claim just taken means nothing.
    await redis.del(marker);
    throw alreadyDelivered(msgId);
  }
  await redis.zrem(BusRedisKeys.delayDue(prefix), String(at.seq));
  await bus.nc.request(MSG_DELETE_API, JSON.stringify({ seq: at.seq, no_erase: true })).catch(() => undefined);
  const subject = subjectOf(stored.subject);
  bus.trace.record({ kind: TraceKind.cancelled, msgId, at: Date.now(), subject });
  return { msgId, subject, deliverAt: deliverAtOf(stored.header.get(BusHeaders.deliverAt)), alreadyCancelled: false };
}

/** The pending delayed message with this id, searched in the delay stream (it holds only messages not yet sent). */
async function findDelayed(bus: MessageBus, msgId: string): Promise<{ stream: string; seq: number } | undefined> {
  let found: number | undefined;
  await scanStream(bus.nc, BusStreams.delayed, BusSubjects.delayed('>'), (m) => {
    if ((m.headers?.get(BusHeaders.msgId) || m.headers?.get(BusHeaders.natsMsgId)) === msgId) found = m.seq;
    return found === undefined;
  });
  return found === undefined ? undefined : { stream: BusStreams.delayed, seq: found };
}

function subjectOf(storedSubject: string): string {
  return storedSubject.slice(BusSubjects.delayed('').length);
}

function deliverAtOf(text: string | undefined): number {
  return Number(text) || 0;
}
