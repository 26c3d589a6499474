import { DROPPED_REPORTS_ATTR, STAT_KINDS, StatKind, type StatItem, type StatsBatch } from '@msec/contracts';
import { MINUTES_PER_DAY, dayOfMinute, epochMinute } from './minute-time.js';

/** One day of one series: values per minute (NaN = nothing reported) and, for avg, sample counts. */
export interface DayCells {
  values: Float64Array;
  counts?: Float64Array;
}

/** A per-minute series over several days. */
export class MinuteSeries {
  readonly days = new Map<number, DayCells>();

  constructor(readonly kind: StatKind) {}

  /** Merges a value (and, for avg, its sample count) into a minute. */
  merge(minute: number, value: number, count: number): void {
    const day = dayOfMinute(minute);
    let cells = this.days.get(day);
    if (cells === undefined) {
      cells = { values: new Float64Array(MINUTES_PER_DAY).fill(Number.NaN) };
      if (this.kind === StatKind.avg) cells.counts = new Float64Array(MINUTES_PER_DAY);
      this.days.set(day, cells);
    }
    const i = minute - day * MINUTES_PER_DAY;
    const old = cells.values[i]!;
    if (Number.isNaN(old)) {
      cells.values[i] = value;
    } else {
      switch (this.kind) {
        case StatKind.sum:
        case StatKind.avg:
          cells.values[i] = old + value;
          break;
        case StatKind.max:
          if (value > old) cells.values[i] = value;
          break;
        case StatKind.min:
          if (value < old) cells.values[i] = value;
          break;
        case StatKind.last:
          cells.values[i] = value;
          break;
      }
    }
    if (cells.counts !== undefined) cells.counts[i] = cells.counts[i]! + count;
  }

  /** The value of a minute (the mean for avg), or undefined when nothing was reported. */
  valueAt(minute: number): number | undefined {
    const day = dayOfMinute(minute);
    const cells = this.days.get(day);
    if (cells === undefined) return undefined;
    const i = minute - day * MINUTES_PER_DAY;
    const v = cells.values[i]!;
    if (Number.isNaN(v)) return undefined;
    return cells.counts !== undefined ? v / Math.max(1, cells.counts[i]!) : v;
  }

  /** The day's 1440 values, null where nothing was reported. */
  dayValues(day: number): (number | null)[] {
    const cells = this.days.get(day);
    const out = new Array<number | null>(MINUTES_PER_DAY).fill(null);
    if (cells === undefined) return out;
    for (let i = 0; i < MINUTES_PER_DAY; i++) {
      const v = cells.values[i]!;
      if (!Number.isNaN(v)) out[i] = cells.counts !== undefined ? v / Math.max(1, cells.counts[i]!) : v;
    }
    return out;
  }

  /** The day's value: sum for sum, max/min of the minutes, mean of all samples for avg, last minute's for last. */
  dayTotal(day: number): { value: number; minutes: number } | undefined {
    const cells = this.days.get(day);
    if (cells === undefined) return undefined;
    let value = Number.NaN;
    let samples = 0;
    let minutes = 0;
    for (let i = 0; i < MINUTES_PER_DAY; i++) {
      const v = cells.values[i]!;
      if (Number.isNaN(v)) continue;
      minutes++;
      if (Number.isNaN(value)) value = this.kind === StatKind.sum || this.kind === StatKind.avg ? 0 : v;
      if (this.kind === StatKind.sum || this.kind === StatKind.avg) value += v;
      else if (this.kind === StatKind.max) value = Math.max(value, v);
      else if (this.kind === StatKind.min) value = Math.min(value, v);
      else value = v;
      if (cells.counts !== undefined) samples += cells.counts[i]!;
    }
    if (minutes === 0) return undefined;
    return { value: this.kind === StatKind.avg ? value / Math.max(1, samples) : value, minutes };
  }

  /** Sum of the values of minutes in [fromMinute, toMinute) (a sum series), or undefined when none has data. */
  rangeSum(fromMinute: number, toMinute: number): number | undefined {
    let total: number | undefined;
    for (const [day, cells] of this.days) {
      const first = Math.max(fromMinute - day * MINUTES_PER_DAY, 0);
      const end = Math.min(toMinute - day * MINUTES_PER_DAY, MINUTES_PER_DAY);
      for (let i = first; i < end; i++) {
        const v = cells.values[i]!;
        if (!Number.isNaN(v)) total = (total ?? 0) + v;
      }
    }
    return total;
  }

  /** The latest minute with data at or before `minute`, searched within that day and the day before. */
  latestAtOrBefore(minute: number): { minute: number; value: number } | undefined {
    for (let m = minute; m > minute - 2 * MINUTES_PER_DAY; m--) {
      const cells = this.days.get(dayOfMinute(m));
      if (cells === undefined) {
        m = dayOfMinute(m) * MINUTES_PER_DAY;
        continue;
      }
      const v = this.valueAt(m);
      if (v !== undefined) return { minute: m, value: v };
    }
    return undefined;
  }

  /** Forgets days before `firstDay`. */
  prune(firstDay: number): void {
    for (const day of this.days.keys()) if (day < firstDay) this.days.delete(day);
  }
}

/** One attribute of one service: its kind, the service aggregate and each host's series. */
export interface AttrSeries {
  kind: StatKind;
  total: MinuteSeries;
  hosts: Map<string, MinuteSeries>;
}

/** Counters about what ingestion refused. */
export interface IngestCounters {
  batches: number;
  items: number;
  /** Items whose kind differs from the attribute's first kind. */
  kindConflicts: number;
  /** Items older than retention or more than a day in the future. */
  outOfRange: number;
  /** Items that were not [attr, minute, kind, value, count]. */
  invalid: number;
}

const KINDS = new Set<string>(STAT_KINDS);

/**
 * Per (service, host, attr) per-minute series held in memory; every item updates the host's series and the service aggregate,
 * so a service curve is one array read. Pure: the clock is injected.
 */
export class SeriesStore {
  readonly services = new Map<string, Map<string, AttrSeries>>();
  readonly counters: IngestCounters = { batches: 0, items: 0, kindConflicts: 0, outOfRange: 0, invalid: 0 };
  /** Days changed since the last snapshot took them (`takeDirtyDays`). */
  private dirtyDays = new Set<number>();
  private lastDirtyDay = Number.NaN;

  constructor(
    private readonly retentionDays: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Applies one batch from a reporter. */
  applyBatch(batch: StatsBatch): void {
    this.counters.batches++;
    const nowMinute = epochMinute(this.now());
    const oldest = (dayOfMinute(nowMinute) - this.retentionDays + 1) * MINUTES_PER_DAY;
    const newest = nowMinute + MINUTES_PER_DAY;
    for (const item of batch.items) this.applyItem(batch.service, batch.host, item, oldest, newest);
    if (batch.dropped > 0)
      this.applyItem(
        batch.service,
        batch.host,
        [DROPPED_REPORTS_ATTR, epochMinute(batch.sentAt), StatKind.sum, batch.dropped, batch.dropped],
        oldest,
        newest,
      );
  }

  private applyItem(service: string, host: string, item: StatItem, oldest: number, newest: number): void {
    const [attr, minute, kind, value, count] = item;
    this.counters.items++;
    if (typeof attr !== 'string' || attr.length === 0 || !Number.isInteger(minute) || !Number.isFinite(value) || !KINDS.has(kind)) {
      this.counters.invalid++;
      return;
    }
    if (!(minute >= oldest && minute <= newest)) {
      this.counters.outOfRange++;
      return;
    }
    const series = this.attrSeries(service, attr, kind);
    if (series === undefined) {
      this.counters.kindConflicts++;
      return;
    }
    let hostSeries = series.hosts.get(host);
    if (hostSeries === undefined) {
      hostSeries = new MinuteSeries(kind);
      series.hosts.set(host, hostSeries);
    }
    const day = Math.floor(minute / MINUTES_PER_DAY);
    if (day !== this.lastDirtyDay) {
      this.dirtyDays.add(day);
      this.lastDirtyDay = day;
    }
    const samples = Number.isFinite(count) && count > 0 ? count : 1;
    hostSeries.merge(minute, value, samples);
    series.total.merge(minute, value, samples);
  }

  /** The attribute's series, created with `kind` when new; undefined when it exists with another kind. */
  attrSeries(service: string, attr: string, kind: StatKind): AttrSeries | undefined {
    let attrs = this.services.get(service);
    if (attrs === undefined) {
      attrs = new Map();
      this.services.set(service, attrs);
    }
    let series = attrs.get(attr);
    if (series === undefined) {
      series = { kind, total: new MinuteSeries(kind), hosts: new Map() };
      attrs.set(attr, series);
    }
    return series.kind === kind ? series : undefined;
  }

  /** The series of an attribute (aggregate when host is null), if any. */
  find(service: string, attr: string, host: string | null = null): MinuteSeries | undefined {
    const series = this.services.get(service)?.get(attr);
    if (series === undefined) return undefined;
    return host === null ? series.total : series.hosts.get(host);
  }

  /** How many (service, host, attr) series are held. */
  seriesCount(): number {
    let n = 0;
    for (const attrs of this.services.values()) for (const s of attrs.values()) n += s.hosts.size;
    return n;
  }

  /** Days changed since the previous call; the set starts empty again. */
  takeDirtyDays(): Set<number> {
    const days = this.dirtyDays;
    this.dirtyDays = new Set();
    this.lastDirtyDay = Number.NaN;
    return days;
  }

  /** Marks days changed again (a snapshot that took them failed). */
  markDirty(days: Iterable<number>): void {
    for (const d of days) this.dirtyDays.add(d);
  }

  /** Every day some series holds. */
  heldDays(): Set<number> {
    const days = new Set<number>();
    for (const attrs of this.services.values()) for (const s of attrs.values()) for (const d of s.total.days.keys()) days.add(d);
    return days;
  }

  /** The first day kept by the retention. */
  firstRetainedDay(): number {
    return dayOfMinute(epochMinute(this.now())) - this.retentionDays + 1;
  }

  /** Forgets days older than the retention. */
  prune(): void {
    const firstDay = dayOfMinute(epochMinute(this.now())) - this.retentionDays + 1;
    for (const attrs of this.services.values()) {
      for (const s of attrs.values()) {
        s.total.prune(firstDay);
        for (const h of s.hosts.values()) h.prune(firstDay);
      }
    }
  }
}
