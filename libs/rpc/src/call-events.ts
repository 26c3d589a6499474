/** One finished call, as seen by the caller or the callee: what monitoring and tracing record. */
export interface CallEvent {
  side: 'client' | 'server';
  method: string;
  /** Calling service, when known. */
  caller: string | undefined;
  /** `ip:port` of the other end. */
  peer: string;
  ok: boolean;
  /** Error code when not ok. */
  code: string | undefined;
  latencyMs: number;
  traceId: string | undefined;
  spanId: string | undefined;
  parentSpanId: string | undefined;
}

/** Told about every finished call; must be quick and must not throw (what it throws is swallowed). */
export type CallListener = (event: CallEvent) => void;

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
