/** One finished RPC call as the RPC runtime records it (on the caller side). */
export interface CallRecord {
  /** Calling service, `First.Second`. */
  caller: string;
  /** Called service, `First.Second`. */
  callee: string;
  method: string;
  ok: boolean;
  /** Error code when not ok (e.g. `RPC_TIMEOUT`); ignored when ok. */
  errorCode?: string;
  latencyMs: number;
  /** When the call ended (ms); the reporter's clock is used when absent. */
  endedAt?: number;
}

/** Upper bounds (ms) of the latency histogram buckets, as in MSEC; the last bucket is open-ended. */
export const LATENCY_BUCKETS_MS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** Prefix of the attributes derived from call records: `rpc|<caller>|<callee>|<method>|<measure>`. */
export const RPC_ATTR_PREFIX = 'rpc|';

/** Attribute name of one RPC measure (`requests`, `fail|<code>`, `lat|<bucket>`, `p50`, `p95`, `p99`). */
export function rpcAttr(caller: string, callee: string, method: string, measure: string): string {
  return `${RPC_ATTR_PREFIX}${caller}|${callee}|${method}|${measure}`;
}

/** The parts of an RPC attribute, or undefined when the attribute is not one. */
export function parseRpcAttr(attr: string): { caller: string; callee: string; method: string; measure: string } | undefined {
  if (!attr.startsWith(RPC_ATTR_PREFIX)) return undefined;
  const parts = attr.split('|');
  if (parts.length < 5) return undefined;
  return { caller: parts[1]!, callee: parts[2]!, method: parts[3]!, measure: parts.slice(4).join('|') };
}
