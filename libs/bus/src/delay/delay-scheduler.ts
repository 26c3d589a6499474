import { SchedulerLease } from './scheduler-lease.js';
import { SENDING_MARKER } from './delay-cancel.js';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, nuid, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { BusConsumers, BusHeaders, BusRedisKeys, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { ensureBusStreams } from '../jetstream/bus-streams.js';
import { AckPublisher, type StoreAck } from '../messaging/ack-publisher.js';
import { DueQueue } from './due-queue.js';
import { TraceKind, TraceWriter } from '../messaging/message-trace.js';

/** Knobs of the delay scheduler; every field has a default. */
export interface DelaySchedulerOptions {
  /** Redis key prefix. */
  prefix?: string;
  /** How often the index is read for new entries (a timer, not this poll, fires at each due time). */
  pollMs?: number;
  /** Index entries read per round. */
  batchSize?: number;
  /** Leader lease: only the holder dispatches; another scheduler takes over this long after a crash. */
  leaderLeaseMs?: number;
  /** How long the "dispatched" marker of a message id is kept. */
  dispatchedMarkerTtlMs?: number;
  /** Records due within this many ms are loaded and armed ahead of their time. */
  lookaheadMs?: number;
  /** Records due within this many ms when they arrive are kept in memory from intake. */
  intakeCacheMs?: number;
  /** How often the leader checks that the Redis index covers every stored delayed message. */
  reconcileMs?: number;
  instanceId?: string;
  onError?: (error: unknown) => void;
}

const MAX_BATCHES_IN_FLIGHT = 8;
/** Published records are marked, traced and deleted in batches this often. */
const SETTLE_MS = 10;
/** The whole head of the index is read again this often (see armDue). */
const SWEEP_MS = 250;
const DELAYED_PREFIX = BusSubjects.delayed('');
/** Records indexed this close to their due time are kept in memory from intake, at most this many. */
const MAX_CACHED = 50_000;
/** JetStream API subject that deletes one message of the delay stream (sent on the bus's cheap request path). */
const MSG_DELETE_API = `$JS.API.STREAM.MSG.DELETE.${BusStreams.delayed}`;

/**
 * Moves delayed messages to the message stream when due. JetStream holds the bytes (delay stream, file
 * storage); Redis holds the timer index (sorted set by due time) and a dispatched marker per message id.
 * See docs/messaging.md for why a restart never delivers twice.
 */
export class DelayScheduler {
  private readonly js: JetStreamClient;
  private jsm: JetStreamManager | undefined;
  private intake: ConsumerMessages | undefined;
  private intakeLoop: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly lease: SchedulerLease;
  /** The Redis sorted set indexing delayed messages by due time. */
  private readonly dueKey: string;
  private ticking: Promise<void> | undefined;
  private lastReconcile = 0;
  private readonly trace: TraceWriter;
  private readonly acks: AckPublisher;
  private readonly cache = new Map<number, DelayedRecord>();
  /** Records due within the look-ahead, loaded and sorted by due time; the alarm publishes each when due. */
  private readonly armed = new DueQueue<DelayedRecord>();
  private alarm: NodeJS.Timeout | undefined;
  /** Every index entry scored at or below this has been read (and armed, dispatched or dropped). */
  private horizon = Number.NEGATIVE_INFINITY;
  private lastSweep = 0;
  private readonly arming = new Set<number>();
  private readonly deleting = new Set<Promise<void>>();
  private readonly dispatching = new Set<number>();
  private settleQueue: Array<{ record: DelayedRecord; ack: StoreAck; at: number }> = [];
  private settling: Promise<void> | undefined;
  /** Arming and dispatch work in flight. */
  private readonly batches = new Set<Promise<void>>();
  private readonly o: Required<Omit<DelaySchedulerOptions, 'onError'>> & Pick<DelaySchedulerOptions, 'onError'>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly redis: Redis,
    options: DelaySchedulerOptions = {},
  ) {
    this.js = jetstream(nc, { timeout: 5_000 });
    this.trace = new TraceWriter(nc);
    this.acks = new AckPublisher(nc, 5_000);
    this.o = {
      prefix: options.prefix ?? 'msec',
      pollMs: options.pollMs ?? 20,
      batchSize: options.batchSize ?? 256,
      leaderLeaseMs: options.leaderLeaseMs ?? 5_000,
      dispatchedMarkerTtlMs: options.dispatchedMarkerTtlMs ?? 24 * 3_600_000,
      reconcileMs: options.reconcileMs ?? 30_000,
      lookaheadMs: options.lookaheadMs ?? 1_000,
      intakeCacheMs: options.intakeCacheMs ?? 60_000,
      instanceId: options.instanceId ?? nuid.next(),
      onError: options.onError,
    };
    this.dueKey = BusRedisKeys.delayDue(this.o.prefix);
    this.lease = new SchedulerLease(redis, BusRedisKeys.schedulerLeader(this.o.prefix), this.o.instanceId, this.o.leaderLeaseMs);
  }

  private get intakeName(): string {
    return BusConsumers.schedulerIntake(this.o.prefix);
  }

  /** True while this scheduler holds the leader lease. */
  get isLeader(): boolean {
    return this.lease.isHeld;
  }

  /** Starts indexing new delayed messages and dispatching due ones. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.jsm = await jetstreamManager(this.nc);
    await ensureBusStreams(this.jsm);
    await this.startIntake();
    this.schedule(0);
  }

  /** Stops; the leader lease is released so a successor starts at once. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await Promise.all(this.batches);
    await this.stopIntake();
    await Promise.all(this.deleting);
    this.disarm();
    this.acks.close();
    await this.lease.release();
  }

  /** Number of delayed messages waiting in the index. */
  async pending(): Promise<number> {
    return this.redis.zcard(this.dueKey);
  }

  private async startIntake(): Promise<void> {
    const jsm = this.jsm!;
    try {
      await jsm.consumers.info(BusStreams.delayed, this.intakeName);
    } catch {
      await jsm.consumers.add(BusStreams.delayed, {
        durable_name: this.intakeName,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: BusSubjects.delayedAll,
        ack_wait: nanos(10_000),
        max_ack_pending: 10_000,
      });
    }
    const consumer = await this.js.consumers.get(BusStreams.delayed, this.intakeName);
    const intake = await consumer.consume({ max_messages: 512 });
    this.intake = intake;
    this.intakeLoop = (async () => {
      // What arrives together is indexed together: one ZADD per batch (at most 512), sent on the next turn.
      let batch: JsMsg[] = [];
      let indexing = Promise.resolve();
      const flush = (): void => {
        const b = batch;
        batch = [];
        if (b.length > 0) indexing = indexing.then(() => this.index(b));
      };
      for await (const m of intake) {
        batch.push(m);
        if (batch.length === 1) setImmediate(flush);
        if (batch.length >= 512) {
          flush();
          await indexing;
        }
      }
      flush();
      await indexing;
    })();
  }

  private async stopIntake(): Promise<void> {
    await this.intake?.close().catch(() => undefined);
    this.intake = undefined;
    await this.intakeLoop?.catch(() => undefined);
  }

  /** Records stored delayed messages in the due index (one ZADD), then acknowledges them. */
  private async index(batch: readonly JsMsg[]): Promise<void> {
    // An unreadable due time is indexed as due at once.
    const dues = batch.map((m) => Number(m.headers?.get(BusHeaders.deliverAt)) || 0);
    const pairs: Array<number | string> = [];
    batch.forEach((m, i) => pairs.push(dues[i]!, String(m.seq)));
    try {
      await this.redis.zadd(this.dueKey, 'NX', ...pairs);
    } catch (error) {
      this.o.onError?.(error);
      for (const m of batch) m.nak(1_000);
      return;
    }
    const now = Date.now();
    const behind: Array<[seq: number, due: number]> = [];
    for (const [i, m] of batch.entries()) {
      // Due before what the dispatcher has already read (a short delay): arm it now rather than at the next sweep.
      if (this.lease.isHeld && dues[i]! <= this.horizon) behind.push([m.seq, dues[i]!]);
      // Due soon: keep the bytes from intake so dispatch needs no read back from the stream.
      if (dues[i]! - now < this.o.intakeCacheMs && this.cache.size < MAX_CACHED) {
        this.cache.set(m.seq, {
          seq: m.seq,
          msgId: m.headers?.get(BusHeaders.natsMsgId) ?? '',
          subject: m.subject.slice(DELAYED_PREFIX.length),
          due: dues[i]!,
          data: m.data,
          headers: m.headers!,
        });
      }
      m.ack();
    }
    if (behind.length > 0) this.armFresh(behind);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private tick(): Promise<void> {
    this.ticking = this.round().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async round(): Promise<void> {
    let next = this.o.pollMs;
    try {
      const leader = await this.lease.hold();
      if (!leader) this.disarm();
      if (leader) {
        if (Date.now() - this.lastReconcile > this.o.reconcileMs) await this.reconcile();
        const overdue = await this.armDue();
        if (overdue >= this.o.batchSize) next = 0;
      } else {
        next = Math.min(500, this.o.leaderLeaseMs / 4);
      }
    } catch (error) {
      this.o.onError?.(error);
      next = 250;
    }
    this.schedule(next);
  }

  /**
   * When Redis lost part of the index (restart without its last writes), the delay stream holds more
   * messages than the index plus what the intake has not yet indexed: replay the intake from the start.
   */
  private async reconcile(): Promise<void> {
    this.lastReconcile = Date.now();
    const jsm = this.jsm!;
    await Promise.all(this.batches);
    await Promise.all(this.deleting);
    const [stream, intake, indexed] = await Promise.all([
      jsm.streams.info(BusStreams.delayed),
      jsm.consumers.info(BusStreams.delayed, this.intakeName),
      this.redis.zcard(this.dueKey),
    ]);
    if (stream.state.messages <= indexed + intake.num_pending + intake.num_ack_pending) return;
    await this.stopIntake();
    await jsm.consumers.delete(BusStreams.delayed, this.intakeName).catch(() => false);
    if (this.running) await this.startIntake();
  }

  /**
   * One round: reads the index up to the look-ahead and arms what it has not seen yet, so that at a
   * message's due time only its publish remains (no Redis round trip, no read from the stream). A round
   * reads only past the horizon (entries it has not read before); entries that land behind it (short
   * delays indexed by the intake: armed directly; another scheduler's intake, failed publishes, a
   * re-index) are picked up by a full read every SWEEP_MS. Returns how many new entries were already due.
   */
  private async armDue(): Promise<number> {
    const now = Date.now();
    const sweep = now - this.lastSweep >= SWEEP_MS || this.horizon === Number.NEGATIVE_INFINITY;
    if (sweep) this.lastSweep = now;
    const until = now + this.o.lookaheadMs;
    const limit = this.o.batchSize + (sweep ? this.armed.size + this.arming.size + this.dispatching.size : 0);
    const flat = await this.redis.zrangebyscore(this.dueKey, sweep ? '-inf' : `(${this.horizon}`, until, 'WITHSCORES', 'LIMIT', 0, limit);
    const entries: Array<[seq: number, due: number]> = [];
    for (let i = 0; i < flat.length; i += 2) entries.push([Number(flat[i]), Number(flat[i + 1])]);
    // A full page may stop inside a run of equal scores: the next round reads that score again.
    const read = entries.length < limit ? until : entries[entries.length - 1]![1] - 1;
    if (read > this.horizon) this.horizon = read;
    const fresh = this.armFresh(entries);
    if (this.batches.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(this.batches);
    return fresh.filter(([, due]) => due <= now).length;
  }

  /** Starts arming the entries not yet armed, being armed or in dispatch; returns those. */
  private armFresh(entries: ReadonlyArray<[seq: number, due: number]>): Array<[seq: number, due: number]> {
    const fresh = entries.filter(([seq]) => !this.armed.has(seq) && !this.arming.has(seq) && !this.dispatching.has(seq));
    if (fresh.length === 0) return fresh;
    for (const [seq] of fresh) this.arming.add(seq);
    this.track(this.arm(fresh).finally(() => fresh.forEach(([seq]) => this.arming.delete(seq))));
    return fresh;
  }

  /** Loads index entries (from the intake cache, else the stream), drops those already dispatched, and arms the rest. */
  private async arm(entries: ReadonlyArray<[seq: number, due: number]>): Promise<void> {
    const loaded = await Promise.all(entries.map(([seq]) => this.cache.get(seq) ?? this.load(seq)));
    const live: DelayedRecord[] = [];
    const gone: number[] = [];
    loaded.forEach((r, i) => (r === null ? gone.push(entries[i]![0]) : live.push({ ...r, due: entries[i]![1] })));
    const markers = live.length === 0 ? [] : await this.redis.mget(live.map((r) => this.marker(r.msgId)));
    // A sent marker means a scheduler published it before it could clean up (it crashed), a cancelled one that it was
    // withdrawn: only clean up now. A 'sending' one may not have been published: it is armed and sent again (the
    // message id keeps JetStream from storing it twice).
    const done = (marker: string | null | undefined): boolean => marker != null && marker !== SENDING_MARKER;
    const sent = live.filter((_, i) => done(markers[i]));
    if (gone.length + sent.length > 0) {
      await this.redis.zrem(this.dueKey, ...[...gone, ...sent.map((r) => r.seq)].map(String));
      sent.forEach((r) => this.forget(r.seq));
    }
    if (!this.running || !this.lease.isHeld) return;
    live.forEach((r, i) => !done(markers[i]) && this.armed.add(r));
    this.fire();
  }

  /** Dispatches every armed record that is due, and sets the alarm for the next one. */
  private fire(): void {
    if (this.alarm) clearTimeout(this.alarm);
    this.alarm = undefined;
    if (!this.running) return;
    const now = Date.now();
    const due = this.armed.takeDue(now);
    if (due.length > 0) {
      for (const r of due) this.dispatching.add(r.seq);
      this.track(this.dispatchBatch(due).finally(() => due.forEach((r) => this.dispatching.delete(r.seq))));
    }
    // A timer may run a little early by the wall clock: the check above re-arms it for the rest.
    const next = this.armed.nextDue();
    if (next !== undefined) this.alarm = setTimeout(() => this.fire(), Math.max(1, next - now));
  }

  private disarm(): void {
    if (this.alarm) clearTimeout(this.alarm);
    this.alarm = undefined;
    this.armed.clear();
    this.horizon = Number.NEGATIVE_INFINITY;
    this.cache.clear();
  }

  private track(work: Promise<void>): void {
    const p = work.catch((error) => this.o.onError?.(error)).finally(() => this.batches.delete(p));
    this.batches.add(p);
  }

  /**
   * Publishes due records concurrently, then marks the published ones dispatched and drops them from the
   * index in one pipeline. One that failed stays indexed and is armed again by a later round.
   */
  private async dispatchBatch(records: readonly DelayedRecord[]): Promise<void> {
    const due = await this.claim(records);
    const results = await Promise.allSettled(due.map((r) => this.publish(r)));
    const at = Date.now();
    const done = due.flatMap((record, i) => {
      const r = results[i]!;
      return r.status === 'fulfilled' ? [{ record, ack: r.value, at }] : [];
    });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (done.length > 0) await this.settle(done);
    if (failed) throw failed.reason;
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
      await this.redis.zrem(this.dueKey, ...drop.map((r) => String(r.seq)));
      drop.forEach((r) => this.forget(r.seq));
    }
    return records.filter((r) => !drop.includes(r));
  }

  /**
   * Marks published records dispatched and removes their index entries, then records the dispatch in the
   * trace and deletes the records from the delay stream. Records published within SETTLE_MS share one Redis
   * pipeline and one NATS write, instead of several round trips and writes per message.
   */
  private settle(records: ReadonlyArray<{ record: DelayedRecord; ack: StoreAck; at: number }>): Promise<void> {
    this.settleQueue.push(...records);
    this.settling ??= new Promise<void>((resolve) => setTimeout(resolve, SETTLE_MS)).then(async () => {
      const batch = this.settleQueue;
      this.settleQueue = [];
      this.settling = undefined;
      const tx = this.redis.pipeline();
      for (const { record } of batch) tx.set(this.marker(record.msgId), '1', 'PX', this.o.dispatchedMarkerTtlMs);
      tx.zrem(this.dueKey, ...batch.map(({ record }) => String(record.seq)));
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

  private marker(msgId: string): string {
    return BusRedisKeys.delayDispatched(this.o.prefix, msgId);
  }

  /** Reads a delayed record by its sequence; null when it is no longer stored. */
  private async load(seq: number): Promise<DelayedRecord | null> {
    const stored = await this.jsm!.streams.getMessage(BusStreams.delayed, { seq }).catch(() => null);
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

/** A delayed message read back from its stream. */
interface DelayedRecord {
  seq: number;
  msgId: string;
  subject: string;
  due: number;
  data: Uint8Array;
  headers: MsgHdrs;
}
