import { LogLevel, StatKind, type StatItem } from '@msec/contracts';

/** Attribute under which an instance reports lines its budget kept back (a per-minute sum in Monitoring). */
export const SUPPRESSED_LINES_ATTR = 'msec.log.lines_suppressed';
/** Attribute under which an instance reports lines it lost (buffer or spool full). */
export const DROPPED_LINES_ATTR = 'msec.log.lines_dropped';

/** How many lines per second one process ships to the log service. */
export interface LineBudgetOptions {
  /** Lines below WARN per second, not counting lines of traced or coloured requests. 0 means no limit. */
  linesPerSecond: number;
  /** WARN, ERROR and FATAL lines per second. 0 means no limit. */
  warnLinesPerSecond: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/**
 * A per-second allowance of log lines. Lines of traced or coloured requests always pass (the trace view needs
 * them, and their number is bounded by the trace cap); other lines pass while the second's allowance lasts, and the
 * rest are counted as suppressed. It keeps a service that logs on every call from spending its CPU, and the log
 * store's disk, on lines nobody reads at 100,000 calls per second.
 */
export class LineBudget {
  /** Lines kept back since the last take. */
  private suppressed = 0;
  private second = -1;
  private plainUsed = 0;
  private warnUsed = 0;
  private linesPerSecond: number;
  private warnLinesPerSecond: number;
  private readonly now: () => number;

  constructor(options: LineBudgetOptions) {
    this.linesPerSecond = options.linesPerSecond;
    this.warnLinesPerSecond = options.warnLinesPerSecond;
    this.now = options.now ?? Date.now;
  }

  /** True when a line at `rank` may be shipped now; counts it as suppressed when not. */
  admit(rank: number, always: boolean, nowMs: number = this.now()): boolean {
    if (always) return true;
    const warn = rank >= LogLevel.WARN;
    const limit = warn ? this.warnLinesPerSecond : this.linesPerSecond;
    if (limit === 0) return true;
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.plainUsed = 0;
      this.warnUsed = 0;
    }
    if (warn ? this.warnUsed >= limit : this.plainUsed >= limit) {
      this.suppressed++;
      return false;
    }
    if (warn) this.warnUsed++;
    else this.plainUsed++;
    return true;
  }

  /** Changes the allowance; takes effect for the next line. */
  update(linesPerSecond: number, warnLinesPerSecond: number): void {
    this.linesPerSecond = linesPerSecond;
    this.warnLinesPerSecond = warnLinesPerSecond;
  }

  /** Lines kept back since the previous call, resetting the count. */
  takeSuppressed(): number {
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }
}

/**
 * The logger's loss counters as a monitor stat source: lines suppressed by the budget and lines dropped (buffer or
 * spool full), summed per minute under SUPPRESSED_LINES_ATTR and DROPPED_LINES_ATTR.
 */
export class LogLineCounters {
  constructor(
    private readonly take: () => { suppressed: number; dropped: number },
    private readonly now: () => number = Date.now,
  ) {}

  drain(): StatItem[] {
    const { suppressed, dropped } = this.take();
    const minute = Math.floor(this.now() / 60_000);
    const items: StatItem[] = [];
    if (suppressed > 0) items.push([SUPPRESSED_LINES_ATTR, minute, StatKind.sum, suppressed, suppressed]);
    if (dropped > 0) items.push([DROPPED_LINES_ATTR, minute, StatKind.sum, dropped, dropped]);
    return items;
  }

  takeDropped(): number {
    return 0;
  }
}
