import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import { PULL_EXPIRES_MS, ResilientPull } from '../jetstream/resilient-pull.js';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, nuid, type NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { BusConsumers, BusHeaders, BusRedisKeys, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { ensureBusStreams } from '../jetstream/bus-streams.js';
import { DelayDispatcher, type DelayedRecord } from './delay-dispatcher.js';
import { DueIndex } from './due-index.js';
import { DueQueue, type DueItem } from './due-queue.js';
import { SchedulerLease } from './scheduler-lease.js';

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

/**
 * Moves delayed messages to the message stream when due. JetStream holds the bytes (delay stream, file
 * storage); Redis holds the timer index (sorted set by due time, see DueIndex) and a dispatched marker per
 * message id (see DelayDispatcher). This class decides when: it indexes what the intake reads, holds the
 * leader lease, and arms what falls due within the look-ahead on an alarm timer.
 * See docs/messaging.md for why a restart never delivers twice.
 */
export class DelayScheduler {
  private readonly js: JetStreamClient;
  private jsm: JetStreamManager | undefined;
  private intake: ResilientPull | undefined;
  /** Index writes of the intake's batches, one after another. */
  private indexing: Promise<void> = Promise.resolve();
  /** Sends the intake's partial batch to the index. */
  private flushIntake: () => void = () => undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly lease: SchedulerLease;
  /** The Redis sorted set indexing delayed messages by due time. */
  private readonly dueIndex: DueIndex;
  private readonly dispatcher: DelayDispatcher;
  private ticking: Promise<void> | undefined;
  private lastReconcile = 0;
  /** Records due within the look-ahead, loaded and sorted by due time; the alarm publishes each when due. */
  private readonly armed = new DueQueue<DelayedRecord>();
  private alarm: NodeJS.Timeout | undefined;
  private readonly arming = new Set<number>();
  private readonly dispatching = new Set<number>();
  /** Arming and dispatch work in flight. */
  private readonly batches = new Set<Promise<void>>();
  private readonly o: Required<Omit<DelaySchedulerOptions, 'onError'>> & Pick<DelaySchedulerOptions, 'onError'>;

  constructor(
    private readonly nc: NatsConnection,
    redis: Redis,
    options: DelaySchedulerOptions = {},
  ) {
    this.js = jetstream(nc, { timeout: 5_000 });
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
    this.dueIndex = new DueIndex(redis, BusRedisKeys.delayDue(this.o.prefix));
    this.dispatcher = new DelayDispatcher(nc, redis, this.dueIndex, {
      prefix: this.o.prefix,
      dispatchedMarkerTtlMs: this.o.dispatchedMarkerTtlMs,
    });
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
    await this.dispatcher.deletesDone();
    this.disarm();
    this.dispatcher.close();
    await this.lease.release();
  }

  /** Number of delayed messages waiting in the index. */
  async pending(): Promise<number> {
    return this.dueIndex.size();
  }

  private async startIntake(): Promise<void> {
    // What arrives together is indexed together: one ZADD per batch (at most 512), sent on the next turn.
    let batch: JsMsg[] = [];
    const flush = (): void => {
      const b = batch;
      batch = [];
      if (b.length > 0) this.indexing = this.indexing.then(() => this.indexBatch(b));
    };
    this.flushIntake = flush;
    // Bound again when the pull ends or stops hearing from its server (on a cluster the consumer moves when its server
    // dies); the consumer is made again if it was lost.
    this.intake = new ResilientPull(
      async () => {
        await ensureConsumer(this.jsm!, BusStreams.delayed, {
          durable_name: this.intakeName,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: BusSubjects.delayedAll,
          ack_wait: nanos(10_000),
          max_ack_pending: 10_000,
        });
        return (await this.js.consumers.get(BusStreams.delayed, this.intakeName)).consume({ max_messages: 512, expires: PULL_EXPIRES_MS });
      },
      async (m) => {
        batch.push(m);
        if (batch.length === 1) setImmediate(flush);
        if (batch.length >= 512) {
          flush();
          await this.indexing;
        }
      },
    );
    await this.intake.start();
  }

  private async stopIntake(): Promise<void> {
    await this.intake?.stop();
    this.intake = undefined;
    this.flushIntake();
    await this.indexing.catch(() => undefined);
  }

  /** Records stored delayed messages in the due index (one ZADD), then acknowledges them. */
  private async indexBatch(batch: readonly JsMsg[]): Promise<void> {
    // An unreadable due time is indexed as due at once.
    const entries: DueItem[] = batch.map((m) => ({ seq: m.seq, due: Number(m.headers?.get(BusHeaders.deliverAt)) || 0 }));
    try {
      await this.dueIndex.add(entries);
    } catch (error) {
      this.o.onError?.(error);
      for (const m of batch) m.nak(1_000);
      return;
    }
    const now = Date.now();
    const behind: DueItem[] = [];
    for (const [i, m] of batch.entries()) {
      const { due } = entries[i]!;
      // Due before what the rounds have already read of the index (a short delay): arm it now rather than at the next sweep.
      if (this.lease.isHeld && this.dueIndex.isBehindHorizon(due)) behind.push(entries[i]!);
      // Due soon: keep the bytes from intake so dispatch needs no read back from the stream.
      if (due - now < this.o.intakeCacheMs) this.dispatcher.keep(m, due);
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
    await this.dispatcher.deletesDone();
    if (!(await this.dueIndex.hasLostEntries(jsm, this.intakeName))) return;
    await this.stopIntake();
    await jsm.consumers.delete(BusStreams.delayed, this.intakeName).catch(() => false);
    if (this.running) await this.startIntake();
  }

  /**
   * One round: reads the index up to the look-ahead and arms what it has not seen yet, so that at a
   * message's due time only its publish remains (no Redis round trip, no read from the stream). A round
   * reads only past the horizon (entries it has not read before); entries that land behind it (short
   * delays indexed by the intake: armed directly; another scheduler's intake, failed publishes, a
   * re-index) are picked up by a full read every SWEEP_MS (see DueIndex). Returns how many new entries were already due.
   */
  private async armDue(): Promise<number> {
    const now = Date.now();
    const inFlight = this.armed.size + this.arming.size + this.dispatching.size;
    const entries = await this.dueIndex.readAhead(now, now + this.o.lookaheadMs, this.o.batchSize, inFlight);
    const fresh = this.armFresh(entries);
    if (this.batches.size >= MAX_BATCHES_IN_FLIGHT) await Promise.race(this.batches);
    return fresh.filter(({ due }) => due <= now).length;
  }

  /** Starts arming the entries not yet armed, being armed or in dispatch; returns those. */
  private armFresh(entries: readonly DueItem[]): DueItem[] {
    const fresh = entries.filter(({ seq }) => !this.armed.has(seq) && !this.arming.has(seq) && !this.dispatching.has(seq));
    if (fresh.length === 0) return fresh;
    for (const { seq } of fresh) this.arming.add(seq);
    this.track(this.arm(fresh).finally(() => fresh.forEach(({ seq }) => this.arming.delete(seq))));
    return fresh;
  }

  /** Loads index entries, drops those already dispatched (see DelayDispatcher.load), and arms the rest. */
  private async arm(entries: readonly DueItem[]): Promise<void> {
    const live = await this.dispatcher.load(this.jsm!, entries);
    if (!this.running || !this.lease.isHeld) return;
    live.forEach((r) => this.armed.add(r));
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
      this.track(this.dispatcher.dispatch(due).finally(() => due.forEach((r) => this.dispatching.delete(r.seq))));
    }
    // A timer may run a little early by the wall clock: the check above re-arms it for the rest.
    const next = this.armed.nextDue();
    if (next !== undefined) this.alarm = setTimeout(() => this.fire(), Math.max(1, next - now));
  }

  private disarm(): void {
    if (this.alarm) clearTimeout(this.alarm);
    this.alarm = undefined;
    this.armed.clear();
    this.dueIndex.rewind();
    this.dispatcher.clearCache();
  }

  private track(work: Promise<void>): void {
    const p = work.catch((error) => this.o.onError?.(error)).finally(() => this.batches.delete(p));
    this.batches.add(p);
  }
}
