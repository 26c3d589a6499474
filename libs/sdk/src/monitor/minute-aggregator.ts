import { StatKind, type StatItem } from '@msec/contracts';

interface Cell {
  attr: string;
  minute: number;
  kind: StatKind;
  value: number;
  /** Samples merged into the cell (the avg denominator, and what is lost if the cell is dropped). */
  count: number;
}

/** What an aggregator hands over on drain: the cells as wire items and how many reports they hold. */
export interface DrainedItems {
  items: StatItem[];
  reports: number;
}

/**
 * Per-minute aggregation inside a process: one cell per (minute, kind, attr), merged by kind.
 * Bounded: a report needing a new cell when `maxCells` are held is dropped and counted, never thrown.
 */
export class MinuteAggregator {
  private cells = new Map<string, Cell>();
  private droppedReports = 0;

  constructor(private readonly maxCells: number) {}

  /** Merges one report; returns false (and counts it dropped) when it was invalid or the buffer is full. */
  report(attr: string, minute: number, kind: StatKind, value: number): boolean {
    if (typeof attr !== 'string' || attr.length === 0 || attr.length > 200 || !Number.isFinite(value)) {
      this.droppedReports++;
      return false;
    }
    const key = `${minute}|${kind}|${attr}`;
    const cell = this.cells.get(key);
    if (cell === undefined) {
      if (this.cells.size >= this.maxCells) {
        this.droppedReports++;
        return false;
      }
      this.cells.set(key, { attr, minute, kind, value, count: 1 });
      return true;
    }
    cell.count++;
    switch (kind) {
      case StatKind.sum:
      case StatKind.avg:
        cell.value += value;
        break;
      case StatKind.max:
        if (value > cell.value) cell.value = value;
        break;
      case StatKind.min:
        if (value < cell.value) cell.value = value;
        break;
      case StatKind.last:
        cell.value = value;
        break;
    }
    return true;
  }

  /** Cells currently held. */
  get size(): number {
    return this.cells.size;
  }

  /** Counts reports lost elsewhere (e.g. a batch NATS never accepted) in the same dropped counter. */
  countDropped(reports: number): void {
    this.droppedReports += reports;
  }

  /** Reports dropped and not yet taken. */
  get pendingDropped(): number {
    return this.droppedReports;
  }

  /** Reports dropped since the last call, resetting the counter. */
  takeDropped(): number {
    const n = this.droppedReports;
    this.droppedReports = 0;
    return n;
  }

  /** Every held cell as wire items; the aggregator starts empty again. */
  drain(): DrainedItems {
    const items: StatItem[] = [];
    let reports = 0;
    for (const cell of this.cells.values()) {
      items.push([cell.attr, cell.minute, cell.kind, cell.value, cell.count]);
      reports += cell.count;
    }
    this.cells = new Map();
    return { items, reports };
  }
}
