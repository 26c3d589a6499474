import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { invalidField } from '../bus.errors.js';
import { BusHeaders } from '../jetstream/bus-subjects.js';

/** A business message as a handler, the dead-letter store and the trace see it. */
export interface BusMessage<TBody = unknown> {
  msgId: string;
  subject: string;
  /** Decoded body: parsed JSON, or the bytes for a raw body. */
  body: TBody;
  /** The bytes as stored. */
  data: Uint8Array;
  tags: string[];
  producer: string;
  publishedAt: Date;
  /** Set for delayed and scheduled messages: when it was due. */
  deliverAt: Date | undefined;
  /** The ordering key it was published with, if any. */
  key: string | undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes a body: bytes stay bytes, anything else becomes JSON. */
export function encodeBody(body: unknown): { data: Uint8Array; encoding: 'json' | 'raw' } {
  if (body instanceof Uint8Array) return { data: body, encoding: 'raw' };
  let text: string;
  try {
    text = JSON.stringify(body ?? null);
  } catch (error) {
    throw invalidField('body', `must be bytes or JSON-serialisable (${error instanceof Error ? error.message : String(error)})`);
  }
  return { data: encoder.encode(text), encoding: 'json' };
}

/** Decodes a body by its encoding header. */
export function decodeBody(data: Uint8Array, encoding: string | undefined): unknown {
  if (encoding === 'raw') return data;
  return data.length === 0 ? null : JSON.parse(decoder.decode(data));
}

/** Header values the bus sets on every message (the id travels as Nats-Msg-Id, the subject in the NATS subject). */
export interface MessageHeaderFields {
  msgId: string;
  tags: readonly string[];
  producer: string;
  publishedAt: number;
  encoding: 'json' | 'raw';
  deliverAt?: number;
  key?: string;
}

/** Builds NATS headers for a message: as few as possible, since each costs the broker on every publish. */
export function buildHeaders(fields: MessageHeaderFields): MsgHdrs {
  const h = natsHeaders();
  h.set(BusHeaders.natsMsgId, fields.msgId);
  if (fields.tags.length > 0) h.set(BusHeaders.tags, fields.tags.join(','));
  h.set(BusHeaders.producer, fields.producer);
  h.set(BusHeaders.publishedAt, String(fields.publishedAt));
  if (fields.encoding === 'raw') h.set(BusHeaders.encoding, fields.encoding);
  if (fields.deliverAt !== undefined) h.set(BusHeaders.deliverAt, String(fields.deliverAt));
  if (fields.key !== undefined) h.set(BusHeaders.key, fields.key);
  return h;
}

/** Copies every header (all values) into a fresh header set. */
export function copyHeaders(from: MsgHdrs | undefined): MsgHdrs {
  const h = natsHeaders();
  if (from) for (const [k, values] of from) for (const v of values) h.append(k, v);
  return h;
}

/** Plain-object view of headers (first value of each key). */
export function headersToRecord(h: MsgHdrs | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (h) for (const [k, values] of h) out[k] = values[0] ?? '';
  return out;
}

/**
 * Reads a stored or delivered message back into a BusMessage. The id is Msec-Msg-Id where a copy carries
 * another de-duplication id (dead letters, re-drives), else Nats-Msg-Id.
 */
export function decodeMessage(data: Uint8Array, h: MsgHdrs | undefined, subject: string): BusMessage {
  const get = (k: string): string => h?.get(k) ?? '';
  const tags = get(BusHeaders.tags);
  const deliverAt = get(BusHeaders.deliverAt);
  return {
    msgId: get(BusHeaders.msgId) || get(BusHeaders.natsMsgId),
    subject,
    body: decodeBody(data, get(BusHeaders.encoding) || 'json'),
    data,
    tags: tags === '' ? [] : tags.split(','),
    producer: get(BusHeaders.producer),
    publishedAt: new Date(Number(get(BusHeaders.publishedAt)) || 0),
    deliverAt: deliverAt === '' ? undefined : new Date(Number(deliverAt)),
    key: get(BusHeaders.key) || undefined,
  };
}
