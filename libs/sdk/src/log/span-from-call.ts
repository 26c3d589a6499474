import { SpanStatus, type SpanRecord } from '@msec/contracts';

/** What the RPC server tells its call listener about one served call (structurally @msec/rpc's CallEvent). */
export interface ServedCall {
  method: string;
  caller: string | undefined;
  ok: boolean;
  code: string | undefined;
  latencyMs: number;
  traceId: string | undefined;
  spanId: string | undefined;
  parentSpanId: string | undefined;
}

/**
 * The span of a call a server just served, or undefined when the call carried no trace. `callee` is the serving
 * service; a call with no caller name is attributed to "client".
 */
export function spanFromServedCall(call: ServedCall, callee: string, host?: string, now = Date.now()): SpanRecord | undefined {
  if (!call.traceId || !call.spanId) return undefined;
  const span: SpanRecord = {
    traceId: call.traceId,
    spanId: call.spanId,
    caller: call.caller ?? 'client',
    callee,
    method: call.method,
    start: now - call.latencyMs,
    duration: call.latencyMs,
    status: call.ok ? SpanStatus.ok : SpanStatus.error,
  };
  if (call.parentSpanId) span.parentSpanId = call.parentSpanId;
  if (!call.ok && call.code) span.errorCode = call.code;
  if (host) span.host = host;
  return span;
}
