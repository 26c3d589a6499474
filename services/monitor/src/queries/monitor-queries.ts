import {
  LATENCY_BUCKETS_MS,
  RpcStatSide,
  StatKind,
  parseRpcStatAttr,
  type AttrInfo,
  type AttrTotal,
  type CallRow,
  type CallsReply,
  type CallsRequest,
  type CurveReply,
  type CurveRequest,
  type TopRequest,
  type TotalsReply,
  type TotalsRequest,
} from '@msec/contracts';
import { invalidField } from '../monitor.errors.js';
import { MINUTES_PER_DAY, dayOfMinute, epochMinute, formatDay, parseDay } from '../series/minute-time.js';

const MAX_CALLS_RANGE_MS = 31 * 24 * 3600_000;
import type { SeriesStore } from '../series/series-store.js';

function requireName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200)
    throw invalidField(field, 'give a non-empty string of at most 200 characters');
  return value;
}

function optionalName(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : requireName(value, field);
}

/** Percentile estimated from histogram counts, interpolating inside the bucket; the open last bucket reports its lower bound. */
export function histogramPercentile(counts: readonly number[], p: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = (p / 100) * total;
  let seen = 0;
  for (let b = 0; b < counts.length; b++) {
    const n = counts[b] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const lower = b === 0 ? 0 : LATENCY_BUCKETS_MS[b - 1]!;
      const upper = LATENCY_BUCKETS_MS[b];
      if (upper === undefined) return lower;
      return Math.round((lower + ((upper - lower) * (rank - seen)) / n) * 100) / 100;
    }
    seen += n;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
}

/** Mean (ms) of a latency histogram, each call counted at its bucket's middle (the open last bucket at its lower bound). */
export function histogramMean(counts: readonly number[]): number | null {
  let total = 0;
  let sum = 0;
  counts.forEach((n, b) => {
    const lower = b === 0 ? 0 : LATENCY_BUCKETS_MS[b - 1]!;
    const upper = LATENCY_BUCKETS_MS[b];
    total += n;
    sum += n * (upper === undefined ? lower : (lower + upper) / 2);
  });
  return total === 0 ? null : Math.round((sum / total) * 100) / 100;
}

/** Upper bound (ms) of the highest bucket with calls; the open last bucket reports its lower bound. */
export function histogramMax(counts: readonly number[]): number | null {
  for (let b = counts.length - 1; b >= 0; b--)
    if ((counts[b] ?? 0) > 0) return LATENCY_BUCKETS_MS[b] ?? LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1]!;
  return null;
}

/**
 * One row per caller → callee → method: the callee's count where the callee reported one, else the caller's (a
 * callee counts every request that reached it, SDK caller or not; a caller also counts calls that never arrived).
 * Sorted by caller, callee, method.
 */
export function mergeCallRows(rows: readonly CallRow[]): CallRow[] {
  const merged = new Map<string, CallRow>();
  for (const row of rows) {
    const key = `${row.caller}|${row.callee}|${row.method}`;
    const held = merged.get(key);
    if (held === undefined || (held.side === RpcStatSide.caller && row.side === RpcStatSide.callee)) merged.set(key, row);
  }
  return [...merged.values()].sort(
    (a, b) => a.caller.localeCompare(b.caller) || a.callee.localeCompare(b.callee) || a.method.localeCompare(b.method),
  );
}

/** Read side of the monitor: curves, totals, top-N, call tables and lists, all from the in-memory store. */
export class MonitorQueries {
  constructor(
    private readonly store: SeriesStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The day asked for (`YYYY-MM-DD`), today when omitted. */
  day(value: unknown): number {
    if (value === undefined || value === null || value === '') return dayOfMinute(epochMinute(this.now()));
    const day = typeof value === 'string' ? parseDay(value) : undefined;
    if (day === undefined) throw invalidField('day', 'use a date as YYYY-MM-DD (UTC), e.g. "2026-11-21"');
    return day;
  }

  /** One attribute's 1440 minutes for the service (sum over hosts) or one host, optionally with yesterday and a week ago. */
  curve(req: CurveRequest): CurveReply {
    const service = requireName(req?.service, 'service');
    const attr = requireName(req?.attr, 'attr');
    const host = optionalName(req.host, 'host') ?? null;
    const day = this.day(req.day);
    const compare = req.compare ?? [];
    if (!Array.isArray(compare) || compare.some((c) => c !== 'yesterday' && c !== 'weekAgo'))
      throw invalidField('compare', 'use a list of "yesterday" and/or "weekAgo"');
    const series = this.store.find(service, attr, host);
    const values = (d: number): (number | null)[] => series?.dayValues(d) ?? new Array<number | null>(1440).fill(null);
    const reply: CurveReply = { service, attr, host, day: formatDay(day), kind: series?.kind ?? null, values: values(day) };
    if (compare.includes('yesterday')) reply.yesterday = values(day - 1);
    if (compare.includes('weekAgo')) reply.weekAgo = values(day - 7);
    return reply;
  }

  /** Each attribute's value over a day. */
  totals(req: TotalsRequest): TotalsReply {
    const service = requireName(req?.service, 'service');
    const host = optionalName(req.host, 'host') ?? null;
    const day = this.day(req.day);
    const totals: AttrTotal[] = [];
    for (const [attr, series] of this.store.services.get(service) ?? []) {
      const s = host === null ? series.total : series.hosts.get(host);
      const total = s?.dayTotal(day);
      if (total !== undefined) totals.push({ attr, kind: series.kind, value: total.value, minutesWithData: total.minutes });
    }
    totals.sort((a, b) => a.attr.localeCompare(b.attr));
    return { service, host, day: formatDay(day), totals };
  }

  /** The N sum attributes with the largest day totals (RPC attributes left out). */
  top(req: TopRequest): TotalsReply {
    const n = req?.n ?? 10;
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw invalidField('n', 'use a whole number from 1 to 1000');
    const all = this.totals({ service: req.service, ...(req.day === undefined ? {} : { day: req.day }) });
    all.totals = all.totals
      .filter((t) => t.kind === StatKind.sum && parseRpcStatAttr(t.attr) === undefined)
      .sort((a, b) => b.value - a.value)
      .slice(0, n);
    return all;
  }

  /** The range of a calls request in whole minutes, or undefined when it asks for a day. */
  private callsRange(req: CallsRequest | undefined): { from: number; to: number } | undefined {
    if (req?.from === undefined && req?.to === undefined) return undefined;
    for (const key of ['from', 'to'] as const) {
      const v = req[key];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
        throw invalidField(key, 'epoch milliseconds (a non-negative whole number); give both from and to, or neither');
    }
    if (req.to! <= req.from!) throw invalidField('to', 'must be after from');
    if (req.to! - req.from! > MAX_CALLS_RANGE_MS) throw invalidField('from', 'the range may span at most 31 days');
    return { from: req.from!, to: req.to! };
  }

  /**
   * Caller → callee → method table for a day or a range, from the RPC statistics of every service held here: the
   * callee's own counts where it reports them (every request that reached it, from any client), else the
   * caller's. Both sides of one call are merged by `mergeCallRows` when they are held by different shards.
   */
  calls(req: CallsRequest): CallsReply {
    const range = this.callsRange(req);
    const day = range === undefined ? this.day(req?.day) : dayOfMinute(epochMinute(range.from));
    const fromMinute = range === undefined ? day * MINUTES_PER_DAY : Math.floor(range.from / 60_000);
    const toMinute = range === undefined ? (day + 1) * MINUTES_PER_DAY : Math.ceil(range.to / 60_000);
    const caller = optionalName(req?.caller, 'caller');
    const callee = optionalName(req?.callee, 'callee');
    const rows = new Map<string, CallRow & { buckets: number[] }>();
    for (const attrs of this.store.services.values()) {
      for (const [attr, series] of attrs) {
        const rpc = parseRpcStatAttr(attr);
        if (rpc === undefined || (caller !== undefined && rpc.caller !== caller) || (callee !== undefined && rpc.callee !== callee))
          continue;
        if (series.kind !== StatKind.sum) continue;
        const total = series.total.rangeSum(fromMinute, toMinute);
        if (total === undefined) continue;
        const key = `${rpc.side}|${rpc.caller}|${rpc.callee}|${rpc.method}`;
        let row = rows.get(key);
        if (row === undefined) {
          row = {
            caller: rpc.caller,
            callee: rpc.callee,
            method: rpc.method,
            requests: 0,
            failures: 0,
            failuresByCode: {},
            p50: null,
            p95: null,
            p99: null,
            avgMs: null,
            maxMs: null,
            side: rpc.side,
            buckets: [],
          };
          rows.set(key, row);
        }
        if (rpc.measure === 'requests') row.requests += total;
        else if (rpc.measure.startsWith('fail|')) {
          const code = rpc.measure.slice(5);
          row.failures += total;
          row.failuresByCode[code] = (row.failuresByCode[code] ?? 0) + total;
        } else if (rpc.measure.startsWith('lat|')) {
          const b = Number(rpc.measure.slice(4));
          if (Number.isInteger(b) && b >= 0 && b <= LATENCY_BUCKETS_MS.length) row.buckets[b] = (row.buckets[b] ?? 0) + total;
        }
      }
    }
    const out: CallRow[] = [];
    for (const { buckets, ...row } of rows.values()) {
      const counts = Array.from({ length: LATENCY_BUCKETS_MS.length + 1 }, (_, i) => buckets[i] ?? 0);
      out.push({
        ...row,
        p50: histogramPercentile(counts, 50),
        p95: histogramPercentile(counts, 95),
        p99: histogramPercentile(counts, 99),
        avgMs: histogramMean(counts),
        maxMs: histogramMax(counts),
      });
    }
    return { day: formatDay(day), ...(range ?? {}), rows: mergeCallRows(out) };
  }

  /** Services with data. */
  services(): string[] {
    return [...this.store.services.keys()].sort();
  }

  /** A service's attributes with their kind and how many hosts report them. */
  attrs(req: { service: string }): AttrInfo[] {
    const service = requireName(req?.service, 'service');
    return [...(this.store.services.get(service) ?? [])]
      .map(([attr, s]) => ({ attr, kind: s.kind, hosts: s.hosts.size }))
      .sort((a, b) => a.attr.localeCompare(b.attr));
  }

  /** Hosts reporting a service (or one attribute of it). */
  hosts(req: { service: string; attr?: string }): string[] {
    const service = requireName(req?.service, 'service');
    const attr = optionalName(req.attr, 'attr');
    const hosts = new Set<string>();
    for (const [name, s] of this.store.services.get(service) ?? [])
      if (attr === undefined || name === attr) for (const h of s.hosts.keys()) hosts.add(h);
    return [...hosts].sort();
  }
}
