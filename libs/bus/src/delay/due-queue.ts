/** Something that falls due: a stream sequence and a due time (epoch ms). */
export interface DueItem {
  seq: number;
  due: number;
}

/**
 * Items sorted by due time (equal times keep their order of arrival), each sequence at most once. The
 * delay scheduler keeps what falls due within its look-ahead here and takes it out at its time.
 */
export class DueQueue<T extends DueItem> {
  private items: T[] = [];
  private readonly seqs = new Set<number>();

  /** Number of queued items. */
  get size(): number {
    return this.items.length;
  }

  /** True when an item with this sequence is queued. */
  has(seq: number): boolean {
    return this.seqs.has(seq);
  }

  /** Queues an item; one whose sequence is already queued is ignored. */
  add(item: T): void {
    if (this.seqs.has(item.seq)) return;
    this.seqs.add(item.seq);
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.due <= item.due) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }

  /** Removes and returns every item due at or before `now`, earliest first. */
  takeDue(now: number): T[] {
    let n = 0;
    while (n < this.items.length && this.items[n]!.due <= now) n++;
    if (n === 0) return [];
    const due = this.items.splice(0, n);
    for (const item of due) this.seqs.delete(item.seq);
    return due;
  }

  /** Due time of the earliest item, or undefined when empty. */
  nextDue(): number | undefined {
    return this.items[0]?.due;
  }

  /** Empties the queue. */
  clear(): void {
    this.items = [];
    this.seqs.clear();
  }
}
