import { idText } from './ids.js';
import type { MethodDef } from './method.js';
import type { OutgoingHead, RpcHead } from './rpc-head.js';

/** One finished call, as seen by the caller or the callee: what monitoring and tracing record. */
export interface CallEvent {
  readonly side: 'client' | 'server';
  readonly method: string;
  /** Calling service, when known. */
  readonly caller: string | undefined;
  /** `ip:port` of the other end. */
  readonly peer: string;
  readonly ok: boolean;
  /** Error code when not ok. */
  readonly code: string | undefined;
  readonly latencyMs: number;
  /** Whether the request is traced (its spans are kept); false when the head carried no decision. */
  readonly traced: boolean;
  /** MSEC's request id (flow_id), when the head had one. */
  readonly flowId: number | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly parentSpanId: string | undefined;
}

/**
 * A CallEvent read from the call's head: trace and span ids become text only if a listener reads them, so an
 * event nobody traces builds no string.
 */
export class HeadCallEvent implements CallEvent {
  constructor(
    readonly side: 'client' | 'server',
    private readonly head: RpcHead,
    readonly peer: string,
    readonly code: string | undefined,
    readonly latencyMs: number,
  ) {}

  get method(): string {
    return this.head.methodName;
  }

  get caller(): string | undefined {
    return this.head.caller;
  }

  get ok(): boolean {
    return this.code === undefined;
  }

  get traced(): boolean {
    return this.head.traced === 1;
  }

  get flowId(): number | undefined {
    return this.head.flowId;
  }

  get traceId(): string | undefined {
    const head = this.head as OutgoingHead;
    return head.traceId ?? (head.traceNo === undefined ? undefined : idText(head.traceNo));
  }

  get spanId(): string | undefined {
    const head = this.head as OutgoingHead;
    return head.spanId ?? (head.spanNo === undefined ? undefined : idText(head.spanNo));
  }

  get parentSpanId(): string | undefined {
    return this.head.parentSpanId;
  }

  /** The event as a plain object (what a test or a log line keeps). */
  toJSON(): Record<string, unknown> {
    const { side, method, caller, peer, ok, code, latencyMs, traced, flowId, traceId, spanId, parentSpanId } = this;
    return { side, method, caller, peer, ok, code, latencyMs, traced, flowId, traceId, spanId, parentSpanId };
  }
}

/** Told about every finished call; must be quick and must not throw (what it throws is swallowed). */
export type CallListener = (event: CallEvent) => void;

/**
 * Counts finished calls for statistics, told once per call (after every attempt of a routed call) with no event
 * object built: the SDK's caller → callee → method counts.
 */
export interface CallStatsSink {
  /** `callee`: the name the caller addressed (a service name, or `ip:port`); `code`: the error code of a failed call. */
  record(callee: string, method: MethodDef<unknown, unknown>, code: string | undefined, latencyMs: number): void;
}

/** Tells a sink about one finished call without letting it break the call. */
export function recordCallStats(
  sink: CallStatsSink,
  callee: string,
  method: MethodDef<unknown, unknown>,
  code: string | undefined,
  latencyMs: number,
): void {
  try {
    sink.record(callee, method, code, latencyMs);
  } catch {
    // Statistics must not fail business calls.
  }
}

/** Where the RPC layer writes what goes wrong outside any one call (bad peers, handler bugs). */
export interface RpcLogger {
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Logs to the console; the SDK passes its structured logger instead. */
export const consoleLogger: RpcLogger = {
  warn: (message, data) => console.warn(`rpc: ${message}`, data ?? ''),
  error: (message, data) => console.error(`rpc: ${message}`, data ?? ''),
};

/** Drops everything: for tests that provoke errors on purpose. */
export const silentLogger: RpcLogger = { warn: () => undefined, error: () => undefined };

/** Calls a listener without letting it break or block the call. */
export function emitCall(listener: CallListener | undefined, event: CallEvent): void {
  if (listener === undefined) return;
  try {
    listener(event);
  } catch {
    // A broken listener must not fail business calls.
  }
}
