import type { JetStreamManager } from '@nats-io/jetstream';
import type { ChainableCommander, Redis } from 'ioredis';
import { BusStreams } from '../jetstream/bus-subjects.js';
import type { DueItem } from './due-queue.js';

/** The whole head of the index is read again this often (see readAhead). */
const SWEEP_MS = 250;

/**
 * The Redis sorted set that indexes delayed messages by due time: member = sequence in the delay stream,
 * score = due time (epoch ms). It also remembers how far the scheduler has read it (the horizon), so that a
 * round reads only entries it has not seen, with a full read now and then for those that land behind.
 */
export class DueIndex {
  /** Every index entry scored at or below this has been read (and armed, dispatched or dropped). */
  private horizon = Number.NEGATIVE_INFINITY;
  private lastSweep = 0;

  constructor(
    private readonly redis: Redis,
    /** The key of the sorted set. */
    private readonly key: string,
  ) {}

  /** Number of entries in the index. */
  size(): Promise<number> {
    return this.redis.zcard(this.key);
  }

  /** Adds entries in one ZADD; an entry already indexed keeps its due time. */
  async add(items: readonly DueItem[]): Promise<void> {
    const pairs: Array<number | string> = [];
    for (const item of items) pairs.push(item.due, String(item.seq));
    await this.redis.zadd(this.key, 'NX', ...pairs);
  }

  /** Removes the entries of these sequences (none: no call). */
  async remove(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.redis.zrem(this.key, ...seqs.map(String));
  }

  /** Queues the removal of these sequences on a pipeline, so it shares the caller's round trip. */
  removeIn(tx: ChainableCommander, seqs: readonly number[]): void {
    tx.zrem(this.key, ...seqs.map(String));
  }

  /** True when an entry due at `due` is at or behind the horizon: a read of the head will not see it until the next sweep. */
  isBehindHorizon(due: number): boolean {
    return due <= this.horizon;
  }

  /** Forgets how far the index was read, so the next read is a full one: what earlier reads armed has been dropped. */
  rewind(): void {
    this.horizon = Number.NEGATIVE_INFINITY;
  }

  /**
   * Reads the entries due by `until`, at most `pageSize` of them, that a round has not read yet: those past the
   * horizon. Entries that land behind it (another scheduler's intake, failed publishes, a re-index) are picked up by a
   * full read every SWEEP_MS; on such a read the `inFlight` entries the caller already holds (still indexed until
   * sent) are read again, so the page grows by their number.
   */
  async readAhead(now: number, until: number, pageSize: number, inFlight: number): Promise<DueItem[]> {
    const sweep = now - this.lastSweep >= SWEEP_MS || this.horizon === Number.NEGATIVE_INFINITY;
    if (sweep) this.lastSweep = now;
    const limit = pageSize + (sweep ? inFlight : 0);
    const flat = await this.redis.zrangebyscore(this.key, sweep ? '-inf' : `(${this.horizon}`, until, 'WITHSCORES', 'LIMIT', 0, limit);
    const entries: DueItem[] = [];
    for (let i = 0; i < flat.length; i += 2) entries.push({ seq: Number(flat[i]), due: Number(flat[i + 1]) });
    // A full page may stop inside a run of equal scores: the next round reads that score again.
    const read = entries.length < limit ? until : entries[entries.length - 1]!.due - 1;
    if (read > this.horizon) this.horizon = read;
    return entries;
  }

  /**
   * True when Redis lost part of the index (restart without its last writes): the delay stream holds more
   * messages than the index plus what the intake consumer `intakeName` has not yet indexed.
   */
  async hasLostEntries(jsm: JetStreamManager, intakeName: string): Promise<boolean> {
    const [stream, intake, indexed] = await Promise.all([
      jsm.streams.info(BusStreams.delayed),
      jsm.consumers.info(BusStreams.delayed, intakeName),
      this.redis.zcard(this.key),
    ]);
    return stream.state.messages > indexed + intake.num_pending + intake.num_ack_pending;
  }
}
