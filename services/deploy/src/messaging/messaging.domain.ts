import { jetstreamManager } from '@nats-io/jetstream';
import type { Redis } from 'ioredis';
import { BusAdmin, BusStreams, cancelScheduled, invalidField, type MessageBus, type PublishOptions } from '@msec/bus';
import type { BusCancelReply, BusConsumerView, BusDeadLetterView, BusPublishReply, BusStreamView, BusTraceView } from '@msec/contracts';
import { deadLetterView, traceView } from './message-views.js';

const PUBLISH_FIELDS = new Set(['subject', 'body', 'tags', 'delayMs', 'deliverAt', 'msgId']);
const MAX_LIST = 1_000;

function asObject(payload: unknown, what: string): Record<string, unknown> {
  if (payload === undefined || payload === null) return {};
  if (typeof payload !== 'object' || Array.isArray(payload)) throw invalidField(what, 'must be a JSON object');
  return payload as Record<string, unknown>;
}

function optionalString(o: Record<string, unknown>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw invalidField(field, 'must be a string');
  return v;
}

function requiredString(o: Record<string, unknown>, field: string): string {
  const v = optionalString(o, field);
  if (v === undefined) throw invalidField(field, 'is required');
  return v;
}

/** `deliverAt` as epoch ms: ISO 8601 text or a number. */
function parseDeliverAt(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) {
    const ms = Date.parse(v);
    if (Number.isFinite(ms)) return ms;
  }
  throw invalidField('deliverAt', 'must be an ISO 8601 time (e.g. 2026-01-31T12:00:00Z) or epoch milliseconds', { value: String(v) });
}

/**
 * The bus's admin and messaging operations for the `msec.bus.*` API: validates JSON input (errors name the
 * field), then uses @msec/bus; knows nothing of NATS request/reply.
 */
export class MessagingDomain {
  private readonly admin: BusAdmin;

  constructor(
    private readonly bus: MessageBus,
    /** The delay scheduler's Redis and key prefix: a cancel takes the same atomic step as the dispatch. */
    private readonly scheduler?: { redis: Redis; prefix: string },
  ) {
    this.admin = new BusAdmin(bus);
  }

  /** Withdraws a delayed or scheduled message before it is due; cancelled or delivered, never both. */
  async cancel(payload: unknown): Promise<BusCancelReply> {
    const o = asObject(payload, 'request');
    const msgId = requiredString(o, 'msgId');
    if (!this.scheduler) throw invalidField('msgId', 'cannot be cancelled here: this deploy instance runs no delay scheduler store');
    const cancelled = await cancelScheduled(this.bus, this.scheduler.redis, msgId, { prefix: this.scheduler.prefix });
    return {
      msgId: cancelled.msgId,
      subject: cancelled.subject,
      deliverAt: cancelled.deliverAt > 0 ? new Date(cancelled.deliverAt).toISOString() : null,
      alreadyCancelled: cancelled.alreadyCancelled,
    };
  }

  /** Validates everything, then publishes and awaits JetStream's acknowledgement; bad input sends nothing. */
  async publish(payload: unknown): Promise<BusPublishReply> {
    const o = asObject(payload, 'request');
    for (const key of Object.keys(o))
      if (!PUBLISH_FIELDS.has(key)) throw invalidField(key, `unknown field; known fields are ${[...PUBLISH_FIELDS].join(', ')}`);
    const subject = requiredString(o, 'subject');
    if (!('body' in o)) throw invalidField('body', 'is required (any JSON value)');
    const options: PublishOptions = {};
    if (o.tags !== undefined && o.tags !== null) {
      if (!Array.isArray(o.tags)) throw invalidField('tags', 'must be an array of strings');
      options.tags = o.tags as string[];
    }
    if (o.delayMs !== undefined && o.delayMs !== null) options.delayMs = o.delayMs as number;
    const at = parseDeliverAt(o.deliverAt);
    if (at !== undefined) options.deliverAt = at;
    const msgId = optionalString(o, 'msgId');
    if (msgId !== undefined) options.msgId = msgId;
    const r = await this.bus.publish(subject, o.body, options);
    return {
      msgId: r.msgId,
      stream: r.stream,
      seq: r.seq,
      duplicate: r.duplicate,
      deliverAt: r.deliverAt === undefined ? null : new Date(r.deliverAt).toISOString(),
    };
  }

  /** Every stream with its counts. */
  streams(): Promise<BusStreamView[]> {
    return this.admin.listStreams();
  }

  /** Consumers of one stream (default: the message stream) with their lag. */
  async consumers(payload: unknown): Promise<BusConsumerView[]> {
    const stream = optionalString(asObject(payload, 'request'), 'stream') ?? BusStreams.messages;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(stream)) throw invalidField('stream', 'must be a stream name (letters, digits, _ and -)');
    return this.admin.listConsumers(stream);
  }

  /** Content, producer, publish time, delivery attempts and dead-letter state of a message id. */
  async trace(payload: unknown): Promise<BusTraceView> {
    return traceView(await this.admin.trace(requiredString(asObject(payload, 'request'), 'msgId')));
  }

  /** Dead letters, oldest first, optionally for one group and/or subject. */
  async deadLetters(payload: unknown): Promise<BusDeadLetterView[]> {
    const o = asObject(payload, 'request');
    const limit = o.limit ?? MAX_LIST;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIST)
      throw invalidField('limit', `must be a whole number from 1 to ${MAX_LIST}`);
    const filter: { group?: string; subject?: string; limit: number } = { limit };
    const group = optionalString(o, 'group');
    const subject = optionalString(o, 'subject');
    if (group !== undefined) filter.group = group;
    if (subject !== undefined) filter.subject = subject;
    return (await this.admin.deadLetters.list(filter)).map((d) => deadLetterView(d));
  }

  /** The dead letters of one message id with their stored headers. */
  async inspect(payload: unknown): Promise<BusDeadLetterView[]> {
    const o = asObject(payload, 'request');
    const letters = await this.admin.deadLetters.inspect(requiredString(o, 'msgId'), optionalString(o, 'group'));
    const jsm = await jetstreamManager(this.bus.nc);
    const out: BusDeadLetterView[] = [];
    for (const d of letters) {
      const stored = await jsm.streams.getMessage(BusStreams.deadLetters, { seq: d.seq }).catch(() => null);
      const headers: Record<string, string> = {};
      if (stored?.header) for (const [k, values] of stored.header) headers[k] = values.join(', ');
      out.push(deadLetterView(d, headers));
    }
    return out;
  }

  /** Sends the dead letter back to the group(s) that failed it, with fresh attempts. */
  async redrive(payload: unknown): Promise<{ redriven: BusDeadLetterView[] }> {
    const o = asObject(payload, 'request');
    const letters = await this.admin.deadLetters.redrive(requiredString(o, 'msgId'), optionalString(o, 'group'));
    return { redriven: letters.map((d) => deadLetterView(d)) };
  }

  /** Deletes a dead letter of one group for good. */
  async discard(payload: unknown): Promise<{ discarded: number }> {
    const o = asObject(payload, 'request');
    return { discarded: await this.admin.deadLetters.discard(requiredString(o, 'msgId'), requiredString(o, 'group')) };
  }
}
