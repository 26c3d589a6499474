import { LATENCY_BUCKETS_MS, StatKind, rpcAttr, type CallRecord, type StatItem } from '@msec/contracts';

/** Index of the latency bucket a call falls in (the last bucket is open-ended). */
export function latencyBucket(latencyMs: number): number {
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) if (latencyMs < LATENCY_BUCKETS_MS[i]!) return i;
  return LATENCY_BUCKETS_MS.length;
}

function percentile(sorted: number[], p: number): number {
  const rank = Math.max(0, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.min(rank, sorted.length - 1)]!;
}

/**
 * Turns RPC call records into per-minute reports, grouped by minute → caller → callee → method:
 * `requests` (sum), `fail|<code>` (sum), `lat|<bucket>` histogram counts (sum), and p50/p95/p99 (max) of the records given.
 * Pure: `nowMs` stands in for records without `endedAt`.
 */
export function callRecordsToReports(records: readonly CallRecord[], nowMs: number): StatItem[] {
  const groups = new Map<
    string,
    { caller: string; callee: string; method: string; minute: number; latencies: number[]; fails: Map<string, number> }
  >();
  for (const r of records) {
    const minute = Math.floor((r.endedAt ?? nowMs) / 60_000);
    const key = `${minute}|${r.caller}|${r.callee}|${r.method}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { caller: r.caller, callee: r.callee, method: r.method, minute, latencies: [], fails: new Map() };
      groups.set(key, group);
    }
    group.latencies.push(Math.max(0, r.latencyMs));
    if (!r.ok) {
      const code = r.errorCode && r.errorCode.length > 0 ? r.errorCode : 'UNKNOWN';
      group.fails.set(code, (group.fails.get(code) ?? 0) + 1);
    }
  }
  const items: StatItem[] = [];
  for (const g of groups.values()) {
    const attr = (measure: string): string => rpcAttr(g.caller, g.callee, g.method, measure);
    items.push([attr('requests'), g.minute, StatKind.sum, g.latencies.length, g.latencies.length]);
    for (const [code, n] of g.fails) items.push([attr(`fail|${code}`), g.minute, StatKind.sum, n, n]);
    const buckets = new Map<number, number>();
    for (const ms of g.latencies) {
      const b = latencyBucket(ms);
      buckets.set(b, (buckets.get(b) ?? 0) + 1);
    }
    for (const [b, n] of buckets) items.push([attr(`lat|${b}`), g.minute, StatKind.sum, n, n]);
    const sorted = [...g.latencies].sort((a, b) => a - b);
    for (const p of [50, 95, 99]) items.push([attr(`p${p}`), g.minute, StatKind.max, percentile(sorted, p), 1]);
  }
  return items;
}
