import type { RpcHead } from './rpc-head.js';

/** What a handler knows about the call it serves; pass it as `parent` to downstream calls to carry the request on. */
export interface CallContext {
  /** `pkg.Service.Method` being served. */
  readonly method: string;
  /** Calling service, when the caller said. */
  readonly caller: string | undefined;
  /** Request id, copied into downstream calls. */
  readonly flowId: number | undefined;
  /** 1 when the request is coloured (log everything along its path). */
  readonly coloring: number;
  readonly colorId: number | undefined;
  /** Call path so far, `A.a->B.b`. */
  readonly callerStack: string | undefined;
  /** Epoch ms after which the caller no longer waits, when it set a deadline. */
  readonly deadlineAt: number | undefined;
  /** `ip:port` of the caller. */
  readonly remote: string;
  /** Trace id of the whole request, when the caller sent one. */
  readonly traceId: string | undefined;
  /** This call's span id. */
  readonly spanId: string | undefined;
  /** The caller's span. */
  readonly parentSpanId: string | undefined;
  /** Ms left before the deadline (never below 0), or undefined when there is none. */
  remainingMs(): number | undefined;
}

/** The context of one served call; a class so the per-call cost is one object, not a set of closures. */
class ServedCall implements CallContext {
  readonly method: string;
  readonly caller: string | undefined;
  readonly flowId: number | undefined;
  readonly coloring: number;
  readonly colorId: number | undefined;
  readonly callerStack: string | undefined;
  readonly deadlineAt: number | undefined;
  readonly remote: string;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly parentSpanId: string | undefined;

  constructor(head: RpcHead, receivedAt: number, remote: string) {
    this.method = head.methodName;
    this.caller = head.caller;
    this.flowId = head.flowId;
    this.coloring = head.coloring ?? 0;
    this.colorId = head.colorId;
    this.callerStack = head.callerStack;
    this.deadlineAt = head.deadlineMs === undefined ? undefined : receivedAt + head.deadlineMs;
    this.remote = remote;
    this.traceId = head.traceId;
    this.spanId = head.spanId;
    this.parentSpanId = head.parentSpanId;
  }

  remainingMs(): number | undefined {
    return this.deadlineAt === undefined ? undefined : Math.max(0, this.deadlineAt - Date.now());
  }
}

/** Builds the context of a request from its head. */
export function contextFromHead(head: RpcHead, receivedAt: number, remote: string): CallContext {
  return new ServedCall(head, receivedAt, remote);
}
