import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BusStreams, BusSubjects } from './bus-subjects.js';
import { readStream } from './stream-reader.js';

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

/** Writes trace records without waiting for an acknowledgement: tracing never slows or fails a delivery. */
export class TraceWriter {
  constructor(
    private readonly nc: NatsConnection,
    private readonly enabled = true,
  ) {}

  /** Records one step; errors are swallowed (a closed connection drops the record). */
  record(rec: TraceRecord): void {
    if (!this.enabled) return;
    try {
      this.nc.publish(BusSubjects.trace(rec.msgId), JSON.stringify(rec));
    } catch {
      // Tracing is best effort by design.
    }
  }
}

/** Collects the trace of a message id from the trace stream, and its content from where it is stored. */
export async function traceMessage(nc: NatsConnection, msgId: string): Promise<MessageTrace> {
  const msgs = await readStream(nc, BusStreams.trace, BusSubjects.trace(msgId), 10_000);
  const records = msgs.map((m) => JSON.parse(new TextDecoder().decode(m.data)) as TraceRecord).sort((a, b) => a.at - b.at);
  const pub = records.find((r) => r.kind === TraceKind.published) ?? firstDeliveryAsPublish(records);
  const deliveryKinds: string[] = [TraceKind.acked, TraceKind.retry, TraceKind.dropped, TraceKind.dead];
  return {
    msgId,
    subject: pub?.subject,
    producer: pub?.producer,
    publishedAt: pub ? new Date(pub.at) : undefined,
    tags: pub?.tags ?? [],
    body: await storedBody(nc, records),
    deliverAt: pub?.deliverAt === undefined ? undefined : new Date(pub.deliverAt),
    deliveries: records.filter((r) => deliveryKinds.includes(r.kind)),
    deadLetters: records.filter((r) => r.kind === TraceKind.dead),
    records,
  };
}

/** Without a publish record, the first delivery carries the publish facts. */
function firstDeliveryAsPublish(records: readonly TraceRecord[]): TraceRecord | undefined {
  const first = records.find((r) => r.attempt === 1 && r.producer !== undefined);
  return first && { ...first, kind: TraceKind.published, at: first.publishedAt ?? first.at };
}

/** The body from the newest place that still holds it (a dispatched copy outlives its delay record). */
async function storedBody(nc: NatsConnection, records: readonly TraceRecord[]): Promise<Uint8Array | undefined> {
  const jsm = await jetstreamManager(nc);
  for (const r of [...records].reverse()) {
    if (r.stream === undefined || r.seq === undefined) continue;
    const stored = await jsm.streams.getMessage(r.stream, { seq: r.seq }).catch(() => null);
    if (stored) return stored.data;
  }
  return undefined;
}
