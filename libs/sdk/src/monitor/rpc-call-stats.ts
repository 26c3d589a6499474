import { LATENCY_BUCKETS_MS, RpcStatSide, StatKind, calleeRpcAttr, rpcAttr, type StatItem } from '@msec/contracts';

const BUCKETS = LATENCY_BUCKETS_MS.length + 1;
/** Items kept for the reporter while it cannot take them (NATS not connected yet); older minutes are dropped beyond. */
const MAX_FINISHED_ITEMS = 200_000;

/** One caller → callee → method row of the current minute. */
interface Row {
  requests: number;
  /** Calls per latency bucket (LATENCY_BUCKETS_MS, the last one open-ended). */
  buckets: Float64Array;
  /** Failures by error code; created on the first failure. */
  fails: Map<string, number> | undefined;
}

/**
 * Exact per-minute RPC statistics of one side of the calls a process makes or serves: requests, failures by code
 * and a latency histogram per caller → callee → method. Recording a call is a few map look-ups and additions (no
 * string is built, nothing is allocated once a row exists); the reporter drains it as stat items once per interval.
 * Bounded: a call needing a new row when `maxRows` are held is dropped and counted.
 */
export class RpcCallStats {
  private minute = -1;
  private rows = new Map<string, Map<string, Map<string, Row>>>();
  private rowCount = 0;
  private finished: StatItem[] = [];
  private dropped = 0;

  constructor(
    readonly side: RpcStatSide,
    private readonly maxRows = 10_000,
  ) {}

  /** Counts one finished call; `code` is the error code of a failed call, undefined on success. */
  record(caller: string, callee: string, method: string, code: string | undefined, latencyMs: number, nowMs: number): void {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.minute) {
      this.close();
      this.minute = minute;
    }
    let byCallee = this.rows.get(caller);
    if (byCallee === undefined) this.rows.set(caller, (byCallee = new Map()));
    let byMethod = byCallee.get(callee);
    if (byMethod === undefined) byCallee.set(callee, (byMethod = new Map()));
    let row = byMethod.get(method);
    if (row === undefined) {
      if (this.rowCount >= this.maxRows) {
        this.dropped++;
        return;
      }
      row = { requests: 0, buckets: new Float64Array(BUCKETS), fails: undefined };
      byMethod.set(method, row);
      this.rowCount++;
    }
    row.requests++;
    row.buckets[bucketOf(latencyMs)]!++;
    if (code !== undefined) {
      row.fails ??= new Map();
      row.fails.set(code, (row.fails.get(code) ?? 0) + 1);
    }
  }

  /** Rows held for the current minute. */
  get size(): number {
    return this.rowCount;
  }

  /** Every finished and current row as stat items (sums); starts empty again. */
  drain(): StatItem[] {
    this.close();
    const items = this.finished;
    this.finished = [];
    return items;
  }

  /** Calls dropped since the last call (row limit), resetting the counter. */
  takeDropped(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }

  /** Turns the current minute's rows into items. */
  private close(): void {
    if (this.rowCount === 0) return;
    const attr = this.side === RpcStatSide.callee ? calleeRpcAttr : rpcAttr;
    const minute = this.minute;
    const out = this.finished;
    for (const [caller, byCallee] of this.rows) {
      for (const [callee, byMethod] of byCallee) {
        for (const [method, row] of byMethod) {
          out.push([attr(caller, callee, method, 'requests'), minute, StatKind.sum, row.requests, row.requests]);
          for (const [code, n] of row.fails ?? []) out.push([attr(caller, callee, method, `fail|${code}`), minute, StatKind.sum, n, n]);
          for (let b = 0; b < BUCKETS; b++) {
            const n = row.buckets[b]!;
            if (n > 0) out.push([attr(caller, callee, method, `lat|${b}`), minute, StatKind.sum, n, n]);
          }
        }
      }
    }
    this.rows = new Map();
    this.rowCount = 0;
    if (out.length > MAX_FINISHED_ITEMS) {
      for (const item of out.splice(0, out.length - MAX_FINISHED_ITEMS)) if (item[0].endsWith('|requests')) this.dropped += item[3];
    }
  }
}

/** Index of the latency bucket of a call (the last bucket is open-ended). */
function bucketOf(latencyMs: number): number {
  for (let i = 0; i < BUCKETS - 1; i++) if (latencyMs < LATENCY_BUCKETS_MS[i]!) return i;
  return BUCKETS - 1;
}
