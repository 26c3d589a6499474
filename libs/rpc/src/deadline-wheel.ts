/** Something the wheel can expire. The wheel owns the three fields; start `wheelSlot` at -1. */
export interface Expirable {
  /** Clock ms at which it expires. */
  expiresAt: number;
  /** Slot it sits in, or -1 when it is not in the wheel. */
  wheelSlot: number;
  /** Index within that slot. */
  wheelIndex: number;
}

/** Options of a DeadlineWheel; every field has a default. */
export interface DeadlineWheelOptions {
  /** Granularity: an item expires between its deadline and about one tick later. Default 10 ms. */
  tickMs?: number;
  /** Slots on the wheel (a power of two); items further out than slots × tickMs wait a lap. Default 512. */
  slots?: number;
  /** The clock, in ms. Default performance.now. */
  now?: () => number;
}

/**
 * Deadlines for many calls on one timer: a hashed timing wheel. Adding and removing are O(1) with no timer per
 * item, which per-call setTimeout/clearTimeout cost (about a microsecond per call). One interval runs while
 * the wheel holds items and stops itself a tick after it empties. Items never expire early.
 */
export class DeadlineWheel<T extends Expirable> {
  private readonly slots: T[][];
  private readonly mask: number;
  private readonly tickMs: number;
  private readonly now: () => number;
  private readonly onExpire: (item: T) => void;
  private timer: NodeJS.Timeout | undefined;
  /** The next tick to process; ticks are absolute (clock ms / tickMs). */
  private cursor = 0;
  private count = 0;

  constructor(onExpire: (item: T) => void, options: DeadlineWheelOptions = {}) {
    const slots = options.slots ?? 512;
    if (!Number.isInteger(slots) || slots < 1 || (slots & (slots - 1)) !== 0) throw new RangeError('slots must be a power of two');
    this.tickMs = options.tickMs ?? 10;
    if (!(this.tickMs > 0)) throw new RangeError('tickMs must be positive');
    this.slots = Array.from({ length: slots }, () => []);
    this.mask = slots - 1;
    this.now = options.now ?? (() => performance.now());
    this.onExpire = onExpire;
  }

  /** Items waiting. */
  get size(): number {
    return this.count;
  }

  /** Expires `item` once `timeoutMs` have passed, unless it is removed first. */
  add(item: T, timeoutMs: number): void {
    const now = this.now();
    if (this.timer === undefined) {
      // Items left from before a stop() keep the old cursor, so their slots are not skipped.
      if (this.count === 0) this.cursor = Math.floor(now / this.tickMs);
      this.timer = setInterval(() => this.tick(), this.tickMs);
    }
    item.expiresAt = now + timeoutMs;
    // Tick k is processed once the clock reaches k × tickMs, so everything due by then is in slot k or before.
    const tick = Math.max(Math.ceil(item.expiresAt / this.tickMs), this.cursor);
    const slot = this.slots[tick & this.mask]!;
    item.wheelSlot = tick & this.mask;
    item.wheelIndex = slot.length;
    slot.push(item);
    this.count++;
  }

  /** Takes an item off the wheel; a no-op when it is not on it. */
  remove(item: T): void {
    if (item.wheelSlot < 0) return;
    const slot = this.slots[item.wheelSlot]!;
    const last = slot.pop()!;
    if (last !== item) {
      slot[item.wheelIndex] = last;
      last.wheelIndex = item.wheelIndex;
    }
    item.wheelSlot = -1;
    this.count--;
  }

  /** Stops the timer; items stay and expire once something is added again. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.count === 0) {
      this.stop();
      return;
    }
    const now = this.now();
    const current = Math.floor(now / this.tickMs);
    const last = Math.min(current, this.cursor + this.mask);
    const expired: T[] = [];
    for (let t = this.cursor; t <= last; t++) this.collect(t & this.mask, now, expired);
    this.cursor = current + 1;
    for (const item of expired) this.onExpire(item);
  }

  private collect(index: number, now: number, into: T[]): void {
    const slot = this.slots[index]!;
    // Later laps share the slot: only what is due goes.
    for (let i = slot.length - 1; i >= 0; i--) {
      const item = slot[i]!;
      if (item.expiresAt > now) continue;
      const last = slot.pop()!;
      if (last !== item) {
        slot[i] = last;
        last.wheelIndex = i;
      }
      item.wheelSlot = -1;
      this.count--;
      into.push(item);
    }
  }
}
