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

/**
 * Prefix of the attributes the calling side reports: `rpc|<caller>|<callee>|<method>|<measure>`, in the caller's
 * batches. They also count calls that never reached the callee (connection refused, timeouts).
 */
export const RPC_ATTR_PREFIX = 'rpc|';

/**
 * Prefix of the attributes the called side reports: `rpcin|<caller>|<callee>|<method>|<measure>`, in the callee's
 * batches. They count every request that reached the callee, from SDK services (caller = the name in the RPC head)
 * and from other clients (caller = the head's caller name, or `unknown@<ip>`).
 */
export const RPC_CALLEE_ATTR_PREFIX = 'rpcin|';

/** Which side of a call reported a statistic. */
export const RpcStatSide = {
  caller: 'caller',
  callee: 'callee',
} as const;
/** One of RpcStatSide. */
export type RpcStatSide = (typeof RpcStatSide)[keyof typeof RpcStatSide];

/** Caller name of a request whose head named no caller (HTTP+JSON, raw SRPC clients). */
export function unknownCaller(ip: string): string {
  return `unknown@${ip}`;
}

/** Attribute name of one caller-side RPC measure (`requests`, `fail|<code>`, `lat|<bucket>`; older reporters also `p50`, `p95`, `p99`). */
export function rpcAttr(caller: string, callee: string, method: string, measure: string): string {
  return `${RPC_ATTR_PREFIX}${caller}|${callee}|${method}|${measure}`;
}

/** Attribute name of one callee-side RPC measure (`requests`, `fail|<code>`, `lat|<bucket>`). */
export function calleeRpcAttr(caller: string, callee: string, method: string, measure: string): string {
  return `${RPC_CALLEE_ATTR_PREFIX}${caller}|${callee}|${method}|${measure}`;
}

/** The parts of a caller-side RPC attribute, or undefined when the attribute is not one (callee-side ones included). */
export function parseRpcAttr(attr: string): { caller: string; callee: string; method: string; measure: string } | undefined {
  const parsed = parseRpcStatAttr(attr);
  if (parsed === undefined || parsed.side !== RpcStatSide.caller) return undefined;
  const { caller, callee, method, measure } = parsed;
  return { caller, callee, method, measure };
}

/** The parts of an RPC attribute of either side, or undefined when the attribute is not one. */
export function parseRpcStatAttr(
  attr: string,
): { side: RpcStatSide; caller: string; callee: string; method: string; measure: string } | undefined {
  const side = attr.startsWith(RPC_ATTR_PREFIX)
    ? RpcStatSide.caller
    : attr.startsWith(RPC_CALLEE_ATTR_PREFIX)
      ? RpcStatSide.callee
      : undefined;
  if (side === undefined) return undefined;
  const parts = attr.split('|');
  if (parts.length < 5) return undefined;
  return { side, caller: parts[1]!, callee: parts[2]!, method: parts[3]!, measure: parts.slice(4).join('|') };
}
