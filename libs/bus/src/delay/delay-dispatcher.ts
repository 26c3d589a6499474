import type { JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { BusHeaders, BusRedisKeys, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { AckPublisher, type StoreAck } from '../messaging/ack-publisher.js';
import { TraceKind, TraceWriter } from '../messaging/message-trace.js';
import { SENDING_MARKER } from './delay-cancel.js';
import type { DueIndex } from './due-index.js';
import type { DueItem } from './due-queue.js';

/** A delayed message read back from its stream. */
export interface DelayedRecord {
  seq: number;
  msgId: string;
  subject: string;
  due: number;
  data: Uint8Array;
  headers: MsgHdrs;
}

/** Where the dispatcher keeps its markers and how long they live (the scheduler's options). */
export interface DelayDispatcherOptions {
  /** Redis key prefix. */
  prefix: string;
  /** How long the "dispatched" marker of a message id is kept. */
  dispatchedMarkerTtlMs: number;
}

/** A published record waiting to be settled, with its store ack and when it was published. */
interface Published {
  record: DelayedRecord;
  ack: StoreAck;
  at: number;
}

/** Published records are marked, traced and deleted in batches this often. */
const SETTLE_MS = 10;
const DELAYED_PREFIX = BusSubjects.delayed('');
/** Records indexed this close to their due time are kept in memory from intake, at most this many. */
const MAX_CACHED = 50_000;
/** JetStream API subject that deletes one message of the delay stream (sent on the bus's cheap request path). */
const MSG_DELETE_API = `$JS.API.STREAM.MSG.DELETE.${BusStreams.delayed}`;

/**
 * Moves due records of the delay stream to the message stream: reads them back (from the intake cache, else the
 * stream), claims each one's dispatched marker so a cancel and a send never both win, publishes under the original
 * message id, then marks them dispatched, drops them from the due index, traces them and deletes them from the delay
 * stream. When to do so is the scheduler's business.
 */
export class DelayDispatcher {
  private readonly trace: TraceWriter;
  private readonly acks: AckPublisher;
  /** Records of messages due soon, kept from intake so dispatch needs no read back from the stream. */
  private readonly cache = new Map<number, DelayedRecord>();
  private readonly deleting = new Set<Promise<void>>();
  private settleQueue: Published[] = [];
  private settling: Promise<void> | undefined;

  constructor(
    nc: NatsConnection,
    private readonly redis: Redis,
    private readonly index: DueIndex,
    private readonly o: DelayDispatcherOptions,
  ) {
    this.trace = new TraceWriter(nc);
    this.acks = new AckPublisher(nc, 5_000);
  }

  /** Keeps the record of a message read by the intake (unless the cache is full), so arming it needs no stream read. */
  keep(m: JsMsg, due: number): void {
    if (this.cache.size >= MAX_CACHED) return;
    this.cache.set(m.seq, {
      seq: m.seq,
      msgId: m.headers?.get(BusHeaders.natsMsgId) ?? '',
      subject: m.subject.slice(DELAYED_PREFIX.length),
      due,
      data: m.data,
      headers: m.headers!,
    });
  }

  /** Drops every record kept from intake. */
  clearCache(): void {
    this.cache.clear();
  }

  /**
   * Loads index entries (from the intake cache, else the stream), drops those already dispatched, and returns the
   * rest, each with its indexed due time.
   */
  async load(jsm: JetStreamManager, entries: readonly DueItem[]): Promise<DelayedRecord[]> {
    const loaded = await Promise.all(entries.map(({ seq }) => this.cache.get(seq) ?? this.read(jsm, seq)));
    const live: DelayedRecord[] = [];
    const gone: number[] = [];
    loaded.forEach((r, i) => (r === null ? gone.push(entries[i]!.seq) : live.push({ ...r, due: entries[i]!.due })));
    const markers = live.length === 0 ? [] : await this.redis.mget(live.map((r) => this.marker(r.msgId)));
    // A sent marker means a scheduler published it before it could clean up (it crashed), a cancelled one that it was
    // withdrawn: only clean up now. A 'sending' one may not have been published: it is armed and sent again (the
    // message id keeps JetStream from storing it twice).
    const done = (marker: string | null | undefined): boolean => marker != null && marker !== SENDING_MARKER;
    const sent = live.filter((_, i) => done(markers[i]));
    if (gone.length + sent.length > 0) {
      await this.index.remove([...gone, ...sent.map((r) => r.seq)]);
      sent.forEach((r) => this.forget(r.seq));
    }
    return live.filter((_, i) => !done(markers[i]));
  }

  /**
   * Publishes due records concurrently, then marks the published ones dispatched and drops them from the
   * index in one pipeline. One that failed stays indexed and is armed again by a later round.
   */
  async dispatch(records: readonly DelayedRecord[]): Promise<void> {
    const due = await this.claim(records);
    const results = await Promise.allSettled(due.map((r) => this.publish(r)));
    const at = Date.now();
    const done = due.flatMap((record, i): Published[] => {
      const r = results[i]!;
      return r.status === 'fulfilled' ? [{ record, ack: r.value, at }] : [];
    });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (done.length > 0) await this.settle(done);
    if (failed) throw failed.reason;
  }

  /** Resolves once the deletes from the delay stream started so far have been answered. */
  async deletesDone(): Promise<void> {
    await Promise.all(this.deleting);
  }

  /** Drops the reply subscription of the publisher once nothing awaits a reply. */
  close(): void {
    this.acks.close();
  }

  /**
   * Claims each record's marker before it is sent, in one pipeline: the same atomic step a cancel takes, so a message
   * is cancelled or sent, never both. Records a cancel (or an earlier send) claimed first are dropped from the index;
   * one another scheduler claimed but may not have sent ('sending') is sent again (JetStream keeps one copy).
   */
  private async claim(records: readonly DelayedRecord[]): Promise<DelayedRecord[]> {
    const tx = this.redis.pipeline();
    for (const r of records) tx.set(this.marker(r.msgId), SENDING_MARKER, 'PX', this.o.dispatchedMarkerTtlMs, 'NX');
    const replies = (await tx.exec()) ?? [];
    const refused = records.filter((_, i) => replies[i]?.[1] !== 'OK');
    if (refused.length === 0) return [...records];
    const markers = await this.redis.mget(refused.map((r) => this.marker(r.msgId)));
    const drop = refused.filter((_, i) => markers[i] !== null && markers[i] !== SENDING_MARKER);
    if (drop.length > 0) {
      await this.index.remove(drop.map((r) => r.seq));
      drop.forEach((r) => this.forget(r.seq));
    }
    return records.filter((r) => !drop.includes(r));
  }

  /**
   * Marks published records dispatched and removes their index entries, then records the dispatch in the
   * trace and deletes the records from the delay stream. Records published within SETTLE_MS share one Redis
   * pipeline and one NATS write, instead of several round trips and writes per message.
   */
  private settle(records: readonly Published[]): Promise<void> {
    this.settleQueue.push(...records);
    this.settling ??= new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS)).then(async () => {
      const batch = this.settleQueue;
      this.settleQueue = [];
      this.settling = undefined;
      const tx = this.redis.pipeline();
      for (const { record } of batch) tx.set(this.marker(record.msgId), '1', 'PX', this.o.dispatchedMarkerTtlMs);
      this.index.removeIn(
        tx,
        batch.map(({ record }) => record.seq),
      );
      await tx.exec();
      for (const { record: r, ack, at } of batch) {
        this.trace.record({
          kind: TraceKind.dispatched,
          msgId: r.msgId,
          at,
          subject: r.subject,
          lateMs: at - r.due,
          stream: ack.stream,
          seq: ack.seq,
        });
        // The index entry is gone; a crash before the delete leaves a record that reconcile re-indexes and
        // the marker then keeps from being sent again.
        this.forget(r.seq);
      }
    });
    return this.settling;
  }

  /** Drops a dispatched record from the cache and, in the background, from the delay stream. */
  private forget(seq: number): void {
    this.cache.delete(seq);
    const del = this.acks.request(MSG_DELETE_API, JSON.stringify({ seq, no_erase: true })).then(
      () => undefined,
      () => undefined,
    );
    this.deleting.add(del);
    void del.finally(() => this.deleting.delete(del));
  }

  /** The Redis key of a message id's dispatched marker. */
  private marker(msgId: string): string {
    return BusRedisKeys.delayDispatched(this.o.prefix, msgId);
  }

  /** Reads a delayed record by its sequence; null when it is no longer stored. */
  private async read(jsm: JetStreamManager, seq: number): Promise<DelayedRecord | null> {
    const stored = await jsm.streams.getMessage(BusStreams.delayed, { seq }).catch(() => null);
    if (stored === null) return null;
    return {
      seq,
      msgId: stored.header.get(BusHeaders.natsMsgId),
      subject: stored.subject.slice(DELAYED_PREFIX.length),
      due: Number(stored.header.get(BusHeaders.deliverAt)),
      data: stored.data,
      headers: stored.header,
    };
  }

  /** Publishes to the message stream under the original id: a repeat inside the duplicate window is dropped. */
  private publish(r: DelayedRecord): Promise<StoreAck> {
    // The stored headers already carry Nats-Msg-Id = the message id, producer, time, tags and due time.
    r.headers.set(BusHeaders.expectedStream, BusStreams.messages);
    return this.acks.publish(BusSubjects.message(r.subject), r.data, r.headers);
  }
}
