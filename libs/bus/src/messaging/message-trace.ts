import { jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BusHeaders, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { decodeMessage } from './message-codec.js';
import { readStream, scanStream } from '../jetstream/stream-reader.js';

/** What happened to a message at one step of its life. */
export const TraceKind = {
  published: 'published',
  scheduled: 'scheduled',
  dispatched: 'dispatched',
  delivered: 'delivered',
  acked: 'acked',
  retry: 'retry',
  dropped: 'dropped',
  dead: 'dead',
  redriven: 'redriven',
  /** A delayed or scheduled message was withdrawn before it was due. */
  cancelled: 'cancelled',
} as const;
/** One of the trace kinds. */
export type TraceKind = (typeof TraceKind)[keyof typeof TraceKind];

/** One trace record: a step in a message's life. */
export interface TraceRecord {
  kind: TraceKind;
  msgId: string;
  /** Epoch ms. */
  at: number;
  subject?: string;
  producer?: string;
  tags?: string[];
  /** Where the message is stored (on `published` and `dispatched`): the content is read from there. */
  stream?: string;
  seq?: number;
  deliverAt?: number;
  group?: string;
  consumer?: string;
  attempt?: number;
  nextAttemptAt?: number;
  error?: string;
  /** Publish time (epoch ms) as carried by the message, on first deliveries. */
  publishedAt?: number;
  /** Lateness of a dispatched delayed message, ms. */
  lateMs?: number;
}

/** Everything known about one message id. */
export interface MessageTrace {
  msgId: string;
  subject: string | undefined;
  producer: string | undefined;
  publishedAt: Date | undefined;
  tags: string[];
  /** The stored bytes, while the stream still retains the message. */
  body: Uint8Array | undefined;
  deliverAt: Date | undefined;
  /** Each delivery attempt and its outcome, in order. */
  deliveries: TraceRecord[];
  /** Present when the message is (or was) dead-lettered for a group. */
  deadLetters: TraceRecord[];
  records: TraceRecord[];
}

/** Options of a trace writer. */
export interface TraceWriterOptions {
  /** Record delivery steps (and dispatch, dead letter, re-drive). Default true. */
  steps?: boolean;
  /** Record where each published message is stored, in batches. Default true. */
  publishIndex?: boolean;
  /** Longest time a publish location waits in the buffer. */
  indexFlushMs?: number;
  /** Locations per index message; a full buffer is sent at once. */
  indexBatch?: number;
}

/**
 * Writes trace records without waiting for an acknowledgement: tracing never slows or fails a delivery.
 * A publish costs no record of its own: the message is stored with its id, producer, time and tags, so
 * the trace only needs to know where. Those locations are buffered and sent as one index message per
 * `indexFlushMs` (100 ms) or `indexBatch` (1,000) locations, whichever comes first.
 */
export class TraceWriter {
  private readonly steps: boolean;
  private readonly publishIndex: boolean;
  private readonly flushMs: number;
  private readonly batch: number;
  private buffer: Array<[string, string, number]> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly nc: NatsConnection,
    options: TraceWriterOptions = {},
  ) {
    this.steps = options.steps ?? true;
    this.publishIndex = options.publishIndex ?? true;
    this.flushMs = options.indexFlushMs ?? 100;
    this.batch = options.indexBatch ?? 1_000;
  }

  /** Records one step; errors are swallowed (a closed connection drops the record). */
  record(rec: TraceRecord): void {
    if (!this.steps) return;
    this.send(BusSubjects.trace(rec.msgId), JSON.stringify(rec));
  }

  /** Notes where a published message is stored; sent with the next index batch. */
  published(msgId: string, stream: string, seq: number): void {
    if (!this.publishIndex) return;
    this.buffer.push([msgId, stream, seq]);
    if (this.buffer.length >= this.batch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Sends the buffered publish locations now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const index: PublishIndex = { at: Date.now(), entries: this.buffer };
    this.buffer = [];
    this.send(BusSubjects.tracePublishIndex, JSON.stringify(index));
  }

  private send(subject: string, payload: string): void {
    try {
      this.nc.publish(subject, payload);
    } catch {
      // Tracing is best effort by design.
    }
  }
}

/** One index message: message id, stream and sequence of each publish in a batch. */
interface PublishIndex {
  at: number;
  entries: Array<[msgId: string, stream: string, seq: number]>;
}

const decoder = new TextDecoder();
const MESSAGE_PREFIX = BusSubjects.message('');
const DELAYED_PREFIX = BusSubjects.delayed('');

/**
 * Collects the trace of a message id: its steps from the trace stream, and its content and publish facts
 * from where it is stored. The location comes from the newest step that names one (every delivery and
 * dispatch does); a message no step names yet (never delivered) is looked up in the publish index.
 */
export async function traceMessage(nc: NatsConnection, msgId: string): Promise<MessageTrace> {
  const jsm = await jetstreamManager(nc);
  const msgs = await readStream(nc, BusStreams.trace, BusSubjects.trace(msgId), 10_000);
  const steps = msgs.map((m) => JSON.parse(decoder.decode(m.data)) as TraceRecord);
  let stored: StoredMsg | undefined;
  // Oldest first: the original message rather than a re-driven copy.
  for (const r of [...steps].sort((a, b) => a.at - b.at)) {
    if (r.stream === undefined || r.seq === undefined) continue;
    stored = await storedCopy(jsm, msgId, r.stream, r.seq);
    if (stored) break;
  }
  if (stored === undefined) {
    const at = await findPublishLocation(nc, msgId);
    if (at) stored = await storedCopy(jsm, msgId, at.stream, at.seq);
  }
  const pub = steps.find((r) => r.kind === TraceKind.published) ?? (stored && publishRecord(stored)) ?? firstDeliveryAsPublish(steps);
  const records = (pub && !steps.includes(pub) ? [pub, ...steps] : steps).sort((a, b) => a.at - b.at);
  const deliveryKinds: string[] = [TraceKind.acked, TraceKind.retry, TraceKind.dropped, TraceKind.dead];
  return {
    msgId,
    subject: pub?.subject,
    producer: pub?.producer,
    publishedAt: pub ? new Date(pub.at) : undefined,
    tags: pub?.tags ?? [],
    body: stored?.data,
    deliverAt: pub?.deliverAt === undefined ? undefined : new Date(pub.deliverAt),
    deliveries: records.filter((r) => deliveryKinds.includes(r.kind)),
    deadLetters: records.filter((r) => r.kind === TraceKind.dead),
    records,
  };
}

/** The stored message at (stream, seq) if it is still there and carries this id. */
async function storedCopy(jsm: JetStreamManager, msgId: string, stream: string, seq: number): Promise<StoredMsg | undefined> {
  const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
  if (!m) return undefined;
  const id = m.header.get(BusHeaders.msgId) || m.header.get(BusHeaders.natsMsgId);
  return id === msgId ? m : undefined;
}

/** The publish step as the stored message tells it (a dispatched or re-driven copy keeps the original headers). */
function publishRecord(m: StoredMsg): TraceRecord {
  const delayed = m.subject.startsWith(DELAYED_PREFIX);
  const subject = m.subject.slice((delayed ? DELAYED_PREFIX : MESSAGE_PREFIX).length);
  const message = decodeMessage(new Uint8Array(0), m.header, subject);
  const rec: TraceRecord = {
    kind: TraceKind.published,
    msgId: message.msgId,
    at: message.publishedAt.getTime() || m.time.getTime(),
    subject: message.subject,
    producer: message.producer,
    tags: message.tags,
    stream: delayed ? BusStreams.delayed : BusStreams.messages,
    seq: m.seq,
  };
  if (message.deliverAt) rec.deliverAt = message.deliverAt.getTime();
  return rec;
}

/** Scans the publish index (oldest first) for a message id. */
export async function findPublishLocation(nc: NatsConnection, msgId: string): Promise<{ stream: string; seq: number } | undefined> {
  let found: { stream: string; seq: number } | undefined;
  await scanStream(nc, BusStreams.trace, BusSubjects.tracePublishIndex, (m) => {
    const text = decoder.decode(m.data);
    // Most batches do not hold the id: skip them without parsing.
    if (!text.includes(`"${msgId}"`)) return true;
    const entry = (JSON.parse(text) as PublishIndex).entries.find((e) => e[0] === msgId);
    if (entry) found = { stream: entry[1], seq: entry[2] };
    return found === undefined;
  });
  return found;
}

/** Without a stored copy, the first delivery carries the publish facts. */
function firstDeliveryAsPublish(records: readonly TraceRecord[]): TraceRecord | undefined {
  const first = records.find((r) => r.attempt === 1 && r.producer !== undefined);
  return first && { ...first, kind: TraceKind.published, at: first.publishedAt ?? first.at };
}
