import type { CallContext } from '@msec/rpc';
import type { MsecLogger, RequestLogContext, RequestLogger } from '../log/index.js';
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

/**
 * The handler's view of one call. Its logger, which carries the trace and the colour of the request, is made when
 * the handler first logs: a handler that does not log costs no logger, and no trace id text.
 */
class ServedRequest implements RequestContext {
  private logger: RequestLogger | ConsoleRequestLog | undefined;

  constructor(
    readonly call: CallContext,
    private readonly service: MsecLogger | undefined,
  ) {}

  get log(): RequestLogger | ConsoleRequestLog {
    this.logger ??= this.service ? requestLogger(this.call, this.service) : consoleLog;
    return this.logger;
  }

  get caller(): string | undefined {
    return this.call.caller;
  }

  get deadlineAt(): number | undefined {
    return this.call.deadlineAt;
  }

  get traceId(): string | undefined {
    return this.call.traceId;
  }

  get spanId(): string | undefined {
    return this.call.spanId;
  }

  get coloured(): boolean {
    return this.call.coloring === 1;
  }

  remainingMs(): number | undefined {
    return this.call.remainingMs();
  }
}

/**
 * What a request's lines carry, read from the call only when a line is written: most lines of a busy service are
 * kept back by the line budget, and the trace id text and the fields would be built for nothing.
 */
class CallLogContext implements RequestLogContext {
  private builtFields: Record<string, unknown> | undefined;

  constructor(private readonly call: CallContext) {}

  get colour(): boolean {
    return this.call.coloring === 1;
  }

  get traced(): boolean {
    return this.call.traced;
  }

  get traceId(): string | undefined {
    return this.call.traceId || undefined;
  }

  get spanId(): string | undefined {
    return this.call.spanId || undefined;
  }

  get fields(): Record<string, unknown> {
    if (this.builtFields === undefined) {
      const caller = this.call.caller;
      this.builtFields = caller ? { rpc: this.call.method, caller } : { rpc: this.call.method };
    }
    return this.builtFields;
  }
}

function requestLogger(call: CallContext, logger: MsecLogger): RequestLogger {
  return logger.forRequest(new CallLogContext(call));
}

/** Builds the handler's view of a call; its logger carries the trace and the colour of the request. */
export function requestContext(call: CallContext, logger?: MsecLogger): RequestContext {
  return new ServedRequest(call, logger);
}
