import type { CallContext } from '@msec/rpc';
import type { MsecLogger, RequestLogger } from '../log/index.js';
import type { ProtoSource } from '../runtime/proto-catalog.js';

/** What a handler sees about the request it serves. */
export interface RequestContext {
  /** The calling service, when it said. */
  readonly caller: string | undefined;
  /** Epoch ms after which the caller stops waiting. */
  readonly deadlineAt: number | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  /** True when the request is coloured: log it at DEBUG everywhere it goes. */
  readonly coloured: boolean;
  /** Ms left before the deadline. */
  remainingMs(): number | undefined;
  /** The raw RPC call context. */
  readonly call: CallContext;
  /** Logs with this request's trace; DEBUG lines are kept when the request is coloured. */
  readonly log: RequestLogger | ConsoleRequestLog;
}

/** Where a handler's log lines go when the process has no NATS (local runs): the console. */
export interface ConsoleRequestLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const consoleLog: ConsoleRequestLog = {
  debug: () => undefined,
  info: (message, fields) => console.log(message, fields ?? ''),
  warn: (message, fields) => console.warn(message, fields ?? ''),
  error: (message, fields) => console.error(message, fields ?? ''),
};

/** One handler: a plain async function of the request. */
export type Handler<Req = Record<string, unknown>, Res = Record<string, unknown>> = (
  request: Req,
  context: RequestContext,
) => Promise<Res> | Res;

/** Handlers by rpc name, e.g. `{ queryFlight }`. */
export type ServiceImpl = Record<string, Handler<never, unknown>>;

/** A service implementation bound to its IDL, ready for serve(). */
export interface ServiceDefinition {
  readonly proto: ProtoSource;
  /** `package.service` in the IDL, e.g. `flight.flight_service`. */
  readonly serviceName: string;
  readonly impl: ServiceImpl;
  readonly idempotent: readonly string[];
}

/** Binds handlers to a service of a .proto file; serve() checks that every rpc has a handler. */
export function defineService(
  proto: ProtoSource,
  serviceName: string,
  impl: ServiceImpl,
  options: { idempotent?: string[] } = {},
): ServiceDefinition {
  return Object.freeze({ proto, serviceName, impl, idempotent: Object.freeze([...(options.idempotent ?? [])]) });
}

/** Builds the handler's view of a call; its logger carries the trace and the colour of the request. */
export function requestContext(call: CallContext, logger?: MsecLogger): RequestContext {
  const log = logger
    ? logger.forRequest({
        ...(call.traceId ? { traceId: call.traceId } : {}),
        ...(call.spanId ? { spanId: call.spanId } : {}),
        colour: call.coloring === 1,
        fields: { rpc: call.method, ...(call.caller ? { caller: call.caller } : {}) },
      })
    : consoleLog;
  return {
    log,
    caller: call.caller,
    deadlineAt: call.deadlineAt,
    traceId: call.traceId,
    spanId: call.spanId,
    coloured: call.coloring === 1,
    remainingMs: () => call.remainingMs(),
    call,
  };
}
