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
import { BusConsumers, BusHeaders, BusRedisKeys, BusStreams, BusSubjects } from './bus-subjects.js';
import { ensureBusStreams } from './bus-streams.js';
import { copyHeaders } from './message-codec.js';
import { TraceKind, TraceWriter } from './message-trace.js';

/** Knobs of the delay scheduler; every field has a default. */
export interface DelaySchedulerOptions {
  /** Redis key prefix. */
  prefix?: string;
  /** How often the due index is polled when nothing is due sooner. */
  pollMs?: number;
  /** Due messages moved per round. */
  batchSize?: number;
  /** Leader lease: only the holder dispatches; another scheduler takes over this long after a crash. */
  leaderLeaseMs?: number;
  /** How long the "dispatched" marker of a message id is kept. */
  dispatchedMarkerTtlMs?: number;
  /** Records due within this many ms are read ahead of time. */
  lookaheadMs?: number;
  /** Records due within this many ms when they arrive are kept in memory from intake. */
  intakeCacheMs?: number;
  /** How often the leader checks that the Redis index covers every stored delayed message. */
  reconcileMs?: number;
  instanceId?: string;
  onError?: (error: unknown) => void;
}

const MAX_BATCHES_IN_FLIGHT = 8;
const DELAYED_PREFIX = BusSubjects.delayed('');
/** Records indexed this close to their due time are kept in memory from intake, at most this many. */
const MAX_CACHED = 50_000;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

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
  private leader = false;
  private renewedAt = 0;
  private ticking: Promise<void> | undefined;
  private lastReconcile = 0;
  private readonly trace: TraceWriter;
  private readonly cache = new Map<number, DelayedRecord>();
  private readonly loading = new Set<number>();
  private readonly deleting = new Set<Promise<void>>();
  private readonly dispatching = new Set<number>();
  private readonly batches = new Set<Promise<void>>();
  private readonly o: Required<Omit<DelaySchedulerOptions, 'onError'>> & Pick<DelaySchedulerOptions, 'onError'>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly redis: Redis,
    options: DelaySchedulerOptions = {},
  ) {
    this.js = jetstream(nc, { timeout: 5_000 });
    this.trace = new TraceWriter(nc);
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
  }

  private get intakeName(): string {
    return BusConsumers.schedulerIntake(this.o.prefix);
  }

  /** True while this scheduler holds the leader lease. */
  get isLeader(): boolean {
    return this.leader;
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
    this.cache.clear();
    if (this.leader)
      await this.redis
        .eval(
          `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`,
          1,
          this.key('leader'),
          this.o.instanceId,
        )
        .catch(() => 0);
    this.leader = false;
  }

  /** Number of delayed messages waiting in the index. */
  async pending(): Promise<number> {
    return this.redis.zcard(this.key('due'));
  }

  private key(kind: 'due' | 'leader'): string {
    return kind === 'due' ? BusRedisKeys.delayDue(this.o.prefix) : BusRedisKeys.schedulerLeader(this.o.prefix);
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
      // Many ZADDs in flight at once: one Redis connection pipelines them, so intake keeps up with bursts.
      const inflight = new Set<Promise<void>>();
      for await (const m of intake) {
        if (inflight.size >= 512) await Promise.race(inflight);
        const p = this.index(m).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await Promise.all(inflight);
    })();
  }

  private async stopIntake(): Promise<void> {
    await this.intake?.close().catch(() => undefined);
    this.intake = undefined;
    await this.intakeLoop?.catch(() => undefined);
  }

  /** Records a stored delayed message in the due index, then acknowledges it. */
  private async index(m: JsMsg): Promise<void> {
    const due = Number(m.headers?.get(BusHeaders.deliverAt));
    try {
      await this.redis.zadd(this.key('due'), 'NX', Number.isFinite(due) ? due : 0, String(m.seq));
      // Due soon: keep the bytes from intake so dispatch needs no read back from the stream.
      if (due - Date.now() < this.o.intakeCacheMs && this.cache.size < MAX_CACHED) {
        this.cache.set(m.seq, {
          seq: m.seq,
          msgId: m.headers?.get(BusHeaders.natsMsgId) ?? '',
          subject: m.subject.slice(DELAYED_PREFIX.length),
          due,
          data: m.data,
          headers: m.headers!,
        });
      }
      m.ack();
    } catch (error) {
      this.o.onError?.(error);
      m.nak(1_000);
    }
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
      this.leader = await this.holdLease();
      if (!this.leader) this.cache.clear();
      if (this.leader) {
        if (Date.now() - this.lastReconcile > this.o.reconcileMs) await this.reconcile();
        const moved = await this.dispatchDue();
        if (moved >= this.o.batchSize) next = 0;
      } else {
        next = Math.min(500, this.o.leaderLeaseMs / 4);
      }
    } catch (error) {
      this.o.onError?.(error);
      next = 250;
    }
    this.schedule(next);
  }

  private async holdLease(): Promise<boolean> {
    // Renew at a third of the lease, not every 20 ms round.
    const now = Date.now();
    if (this.leader && now - this.renewedAt < this.o.leaderLeaseMs / 3) return true;
    this.renewedAt = now;
    const key = this.key('leader');
    const got = await this.redis.set(key, this.o.instanceId, 'PX', this.o.leaderLeaseMs, 'NX');
    if (got === 'OK') return true;
    return (await this.redis.eval(RENEW, 1, key, this.o.instanceId, this.o.leaderLeaseMs)) === 1;
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
      this.redis.zcard(this.key('due')),
    ]);
    if (stream.state.messages <= indexed + intake.num_pending + intake.num_ack_pending) return;
    await this.stopIntake();
    await jsm.consumers.delete(BusStreams.delayed, this.intakeName).catch(() => false);
    if (this.running) await this.startIntake();
  }

  /**
   * One round: dispatches what is due, and prefetches what falls due within the look-ahead so that at its
   * time only the publish remains. Markers and index removals go to Redis in one pipeline per round.
   */
  private async dispatchDue(): Promise<number> {
    const now = Date.now();
    // Rounds overlap (a slow publish must not hold back the next due message), so skip seqs in flight.
    const flat = await this.redis.zrangebyscore(
      this.key('due'),
      '-inf',
      now + this.o.lookaheadMs,
      'WITHSCORES',
      'LIMIT',
      0,
      this.o.batchSize + this.dispatching.size,
    );
    const due: number[] = [];
    const upcoming: number[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const seq = Number(flat[i]);
      if (this.dispatching.has(seq)) continue;
      (Number(flat[i + 1]) <= now ? due : upcoming).push(seq);
    }
    this.prefetch(upcoming);
    if (due.length === 0) return 0;
    for (const seq of due) this.dispatching.add(seq);
    const batch = this.dispatchBatch(due)
      .catch((error) => this.o.onError?.(error))
      .finally(() => {
        for (const seq of due) this.dispatching.delete(seq);
        this.batches.delete(batch);
      });
    this.batches.add(batch);
    if (this.batches.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(this.batches);
    return due.length;
  }

  /** Publishes a set of due records, marks them dispatched and drops them from the index. */
  private async dispatchBatch(due: readonly number[]): Promise<void> {
    const records = await Promise.all(due.map((seq) => this.cache.get(seq) ?? this.load(seq)));
    const live = records.filter((r): r is DelayedRecord => r !== null);
    const markers = live.length === 0 ? [] : await this.redis.mget(live.map((r) => this.marker(r.msgId)));
    const published = await Promise.all(live.map((r, i) => (markers[i] === null ? this.publish(r) : Promise.resolve(false))));
    const tx = this.redis.pipeline();
    live.forEach((r, i) => published[i] && tx.set(this.marker(r.msgId), '1', 'PX', this.o.dispatchedMarkerTtlMs));
    tx.zrem(this.key('due'), ...due.map(String));
    await tx.exec();
    for (const seq of due) {
      this.cache.delete(seq);
      // The index entry is gone; a crash before this delete leaves a record that reconcile re-indexes and
      // the marker then keeps from being sent again.
      const del = this.jsm!.streams.deleteMessage(BusStreams.delayed, seq, false).then(
        () => undefined,
        () => undefined,
      );
      this.deleting.add(del);
      void del.finally(() => this.deleting.delete(del));
    }
  }

  private marker(msgId: string): string {
    return BusRedisKeys.delayDispatched(this.o.prefix, msgId);
  }

  /** Loads records due soon into the cache in the background. */
  private prefetch(seqs: readonly number[]): void {
    for (const seq of seqs) {
      if (this.cache.has(seq) || this.loading.has(seq)) continue;
      this.loading.add(seq);
      void this.load(seq)
        .then((r) => r && this.running && this.cache.set(seq, r))
        .catch(() => undefined)
        .finally(() => this.loading.delete(seq));
    }
  }

  /** Reads a delayed record by its sequence; null when it is no longer stored. */
  private async load(seq: number): Promise<DelayedRecord | null> {
    const stored = await this.jsm!.streams.getMessage(BusStreams.delayed, { seq }).catch(() => null);
    if (stored === null) return null;
    return {
      seq,
      msgId: stored.header.get(BusHeaders.natsMsgId),
      subject: stored.subject.slice(BusSubjects.delayed('').length),
      due: Number(stored.header.get(BusHeaders.deliverAt)),
      data: stored.data,
      headers: stored.header,
    };
  }

  /** Publishes to the message stream under the original id: a repeat inside the duplicate window is dropped. */
  private async publish(r: DelayedRecord): Promise<boolean> {
    const ack = await this.js.publish(BusSubjects.message(r.subject), r.data, {
      msgID: r.msgId,
      headers: copyHeaders(r.headers),
      expect: { streamName: BusStreams.messages },
    });
    const at = Date.now();
    this.trace.record({
      kind: TraceKind.dispatched,
      msgId: r.msgId,
      at,
      subject: r.subject,
      lateMs: at - r.due,
      stream: BusStreams.messages,
      seq: ack.seq,
    });
    return true;
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
