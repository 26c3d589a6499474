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
  /** True when the request is traced (its spans are kept): decided once where it entered, followed downstream. */
  readonly traced: boolean;
  /** Traces the request from this module on (a colouring rule matched here: coloured requests are always traced). */
  markTraced(): void;
  /** Ms left before the deadline (never below 0), or undefined when there is none. */
  remainingMs(): number | undefined;
}

/**
 * The context of one served call: a view of the request head, so the per-call cost is one small object, and
 * what the head decodes lazily (trace and span ids) is decoded only if the handler reads it.
 */
class ServedCall implements CallContext {
  readonly deadlineAt: number | undefined;

  constructor(
    private readonly head: RpcHead,
    receivedAt: number,
    readonly remote: string,
  ) {
    this.deadlineAt = head.deadlineMs === undefined ? undefined : receivedAt + head.deadlineMs;
  }

  get method(): string {
    return this.head.methodName;
  }

  get caller(): string | undefined {
    return this.head.caller;
  }

  get flowId(): number | undefined {
    return this.head.flowId;
  }

  get coloring(): number {
    return this.head.coloring ?? 0;
  }

  get colorId(): number | undefined {
    return this.head.colorId;
  }

  get callerStack(): string | undefined {
    return this.head.callerStack;
  }

  get traceId(): string | undefined {
    return this.head.traceId;
  }

  get spanId(): string | undefined {
    return this.head.spanId;
  }

  get parentSpanId(): string | undefined {
    return this.head.parentSpanId;
  }

  get traced(): boolean {
    return this.head.traced === 1;
  }

  markTraced(): void {
    this.head.traced = 1;
  }

  remainingMs(): number | undefined {
    return this.deadlineAt === undefined ? undefined : Math.max(0, this.deadlineAt - Date.now());
  }
}

/** Builds the context of a request from its head. */
export function contextFromHead(head: RpcHead, receivedAt: number, remote: string): CallContext {
  return new ServedCall(head, receivedAt, remote);
}
