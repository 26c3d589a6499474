import { recordCallStats } from './call-events.js';
import type { MethodDef } from './method.js';
import { RpcClient, type CallOptions, type RpcClientOptions } from './rpc-client.js';
import { circuitOpen, deadlineExceeded, RpcErrorCode } from './rpc.errors.js';
import type { CircuitBreaker, CircuitBreakers } from './governance/circuit-breaker.js';

/** The address part of a route; @msec/nlb's Route has it. */
export interface RouteLike {
  readonly ip: string;
  readonly port: number;
  readonly key: string;
}

/** Picks instances and learns from outcomes; @msec/nlb's Nlb is one. Kept structural so rpc does not depend on nlb. */
export interface Router<R extends RouteLike = RouteLike> {
  /** `tag`: a routing rule sent the request to the instances carrying it. */
  route(service: string, hashKey?: string, tag?: string): Promise<R>;
  reportResult(route: R, ok: boolean, latencyMs: number): void;
}

/** Options of a RoutedClient. */
export interface RoutedClientOptions<R extends RouteLike> {
  router: Router<R>;
  /** An RpcClient to share, or options for a new one. */
  client?: RpcClient | RpcClientOptions;
  /** Most instances one call tries. Default 3. */
  maxAttempts?: number;
  /** Circuit breakers per callee method: an open one refuses calls with RPC_CIRCUIT_OPEN before anything is sent. */
  breakers?: CircuitBreakers;
}

/** Per-call options of a routed call. */
export interface RoutedCallOptions extends CallOptions {
  /** Consistent-hash key, for the consistent-hash strategy. */
  hashKey?: string;
  /** Instances carrying this tag take the call while any of them can (a routing rule matched); else normal selection. */
  tag?: string;
  /** Overrides the method's own idempotent mark. */
  idempotent?: boolean;
}

/** Errors that say the instance, not the request, is in trouble: they lower its weight. */
const INSTANCE_FAILURES: ReadonlySet<string> = new Set([
  RpcErrorCode.connectionFailed,
  RpcErrorCode.connectionClosed,
  RpcErrorCode.timeout,
  RpcErrorCode.overloaded,
  RpcErrorCode.unavailable,
]);

/**
 * Whether an error counts against the callee's breaker: the callee could not serve (5xx, rate limited, no reply);
 * a business error it answered with (4xx) does not.
 */
function failsBreaker(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === undefined || status >= 500 || status === 429;
}

/** Errors after which the request may have run: only idempotent methods go on to another instance. */
const MAYBE_RAN: ReadonlySet<string> = new Set([RpcErrorCode.connectionClosed]);

/**
 * Calls a service by name: picks an instance, calls it, tells the router how it went. On a failure where the
 * request never ran (connect refused, overloaded, stopping) it tries another instance within the same deadline;
 * if the request may have run (connection lost mid-call) only methods marked idempotent are tried again.
 */
export class RoutedClient<R extends RouteLike = RouteLike> {
  readonly rpc: RpcClient;
  private readonly router: Router<R>;
  private readonly maxAttempts: number;
  private readonly ownsClient: boolean;
  private readonly defaultTimeoutMs: number;
  /** The breakers this client consults, if any. */
  readonly breakers: CircuitBreakers | undefined;
  /** Milliseconds clock of call timings: the breakers' own, so both agree. */
  private readonly now: () => number;

  constructor(options: RoutedClientOptions<R>) {
    this.router = options.router;
    this.ownsClient = !(options.client instanceof RpcClient);
    this.rpc = options.client instanceof RpcClient ? options.client : new RpcClient(options.client);
    this.defaultTimeoutMs = options.client instanceof RpcClient ? 1_000 : (options.client?.timeoutMs ?? 1_000);
    this.maxAttempts = options.maxAttempts ?? 3;
    this.breakers = options.breakers;
    this.now = options.breakers?.now ?? (() => performance.now());
  }

  /** Calls `method` on some instance of `service` within one deadline; an open breaker refuses it at once. */
  call<Req, Res>(
    service: string,
    method: MethodDef<Req, Res> & { idempotent?: boolean },
    request: Req,
    options: RoutedCallOptions = {},
  ): Promise<Res> {
    // One clock read starts the call, its deadline, its first attempt and the breaker's timing (a clock read costs
    // tens of nanoseconds on some virtual machines, and this runs for every call).
    const callStart = this.now();
    const breaker = this.breakers?.for(service, method.name);
    if (breaker === undefined) return this.attempts(service, method, request, options, undefined, callStart);
    if (!breaker.tryPass(callStart)) {
      const refused = circuitOpen(service, method.name, breaker.retryInMs(callStart));
      if (options.stats !== undefined) recordCallStats(options.stats, options.callee ?? service, method, refused.code, 0);
      return Promise.reject(refused);
    }
    return this.attempts(service, method, request, options, breaker, callStart);
  }

  /** The attempts of one call; the breaker, when there is one, learns the outcome in this same async frame. */
  private async attempts<Req, Res>(
    service: string,
    method: MethodDef<Req, Res> & { idempotent?: boolean },
    request: Req,
    options: RoutedCallOptions,
    breaker: CircuitBreaker | undefined,
    callStart: number,
  ): Promise<Res> {
    const idempotent = options.idempotent ?? method.idempotent ?? false;
    let budget = options.timeoutMs ?? this.defaultTimeoutMs;
    const parentLeft = options.parent?.remainingMs();
    if (parentLeft !== undefined) budget = Math.min(budget, parentLeft);
    const deadline = callStart + budget;
    const tried = new Set<string>();
    let lastError: unknown;
    try {
      for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
        const started = attempt === 0 ? callStart : this.now();
        const left = deadline - started;
        if (left <= 0) throw lastError ?? deadlineExceeded(method.name);
        let route = await this.router.route(service, options.hashKey, options.tag);
        // Prefer an instance not tried yet; the router may still hand back the same one if it is all there is.
        for (let i = 0; i < 3 && tried.has(route.key); i++) route = await this.router.route(service, options.hashKey, options.tag);
        tried.add(route.key);
        try {
          // The call is counted once, here, after its last attempt: not by the RpcClient per attempt.
          const response = await this.rpc.call({ host: route.ip, port: route.port }, method, request, {
            ...options,
            timeoutMs: left,
            stats: undefined,
          });
          const ended = this.now();
          this.router.reportResult(route, true, ended - started);
          breaker?.record(false, ended - callStart, ended);
          if (options.stats !== undefined) recordCallStats(options.stats, options.callee ?? service, method, undefined, ended - callStart);
          return response;
        } catch (error) {
          const code = (error as { code?: string }).code ?? '';
          const instanceFailed = INSTANCE_FAILURES.has(code);
          this.router.reportResult(route, !instanceFailed, this.now() - started);
          lastError = error;
          const neverRan = (error as { retryable?: boolean }).retryable === true && instanceFailed;
          if (!(neverRan || (idempotent && MAYBE_RAN.has(code)))) throw error;
        }
      }
      throw lastError;
    } catch (error) {
      if (breaker !== undefined || options.stats !== undefined) {
        const ended = this.now();
        breaker?.record(failsBreaker(error), ended - callStart, ended);
        if (options.stats !== undefined) {
          const code = (error as { code?: string }).code ?? 'INTERNAL';
          recordCallStats(options.stats, options.callee ?? service, method as MethodDef<unknown, unknown>, code, ended - callStart);
        }
      }
      throw error;
    }
  }

  /** Closes the RpcClient if this RoutedClient made it. */
  close(): void {
    if (this.ownsClient) this.rpc.close();
  }
}
