/** How values of one attribute within a minute are combined. */
export const StatKind = {
  /** `monitor.add`: summed within the minute and over hosts. */
  sum: 'sum',
  /** `monitor.setMax`: the largest value of the minute. */
  max: 'max',
  /** `monitor.setMin`: the smallest value of the minute. */
  min: 'min',
  /** `monitor.setAvg`: the mean of the minute's values (kept as sum and count). */
  avg: 'avg',
  /** `monitor.set`: the last value of the minute. */
  last: 'last',
} as const;
/** One of StatKind. */
export type StatKind = (typeof StatKind)[keyof typeof StatKind];

/** Every StatKind, for validation. */
export const STAT_KINDS: readonly StatKind[] = Object.values(StatKind);

/**
 * One aggregated cell: attribute, epoch minute (ms / 60000, UTC), kind, value and, for avg, the number of samples.
 * Wire form is a tuple to keep batches small: [attr, minute, kind, value, count].
 */
export type StatItem = [attr: string, minute: number, kind: StatKind, value: number, count: number];

/** What an SDK reporter publishes to `MonitorSubjects.stats(service)`. */
export interface StatsBatch {
  v: 1;
  /** `First.Second` service name. */
  service: string;
  host: string;
  instance: string;
  /** When the batch left the process (ms). */
  sentAt: number;
  /** Reports the reporter had to drop since its previous batch (buffer full or NATS unreachable too long). */
  dropped: number;
  items: StatItem[];
}

/** Attribute under which the monitor records reporters' dropped counters. */
export const DROPPED_REPORTS_ATTR = 'msec.monitor.dropped_reports';
