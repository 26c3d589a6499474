import { isIP } from 'node:net';
import type { BoundMethod, CallStatsSink, Endpoint, RoutedCallOptions } from '@msec/rpc';
import { currentCall } from '../runtime/call-scope.js';
import { findService, type ProtoSource } from '../runtime/proto-catalog.js';
import { followCallee, routingRules, sharedRuntime } from '../runtime/shared-runtime.js';
import { callerStats, monitor } from '../telemetry/telemetry-hub.js';

/** Per-call options a business developer may give. */
export interface ClientCallOptions {
  /** Timeout for this call; capped by the remaining budget of the request being served. */
  timeoutMs?: number;
  /** Consistent-hash key (with the consistent-hash strategy). */
  hashKey?: string;
}

/** Options of a client. */
export interface ClientOptions {
  /** The IDL; defaults to any IDL this process loaded (defineService or useProto). */
  proto?: ProtoSource;
  /** Methods safe to retry on another instance, beyond those the IDL marks idempotent. */
  idempotent?: string[];
}

/** A typed client: each rpc of the service as an async function. */
export type ServiceClient<T> = T;

/** An untyped view used when T is not given: `client.queryFlight(req)`. */
export type AnyClient = Record<string, (request: Record<string, unknown>, options?: ClientCallOptions) => Promise<Record<string, unknown>>>;

const NO_CALL_OPTIONS: ClientCallOptions = Object.freeze({});

function directEndpoint(target: string): Endpoint | undefined {
  const at = target.lastIndexOf(':');
  if (at <= 0) return undefined;
  const host = target.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(target.slice(at + 1));
  return isIP(host) !== 0 && Number.isInteger(port) && port > 0 && port < 65_536 ? { host, port } : undefined;
}

/** Attribute prefix under which callers count the requests each routing rule sent to its tag. */
export const ROUTE_HITS_ATTR = 'msec.route.hits';

/**
 * A client of `serviceName` (`package.service` in the IDL) at `target`: a service name routed by nlb
 * (`Flight.mod_flight`) or a fixed address (`127.0.0.1:8090`, like MSEC's CRpcUdpChannel). Inside a handler,
 * calls carry the request's deadline, trace and colour automatically.
 */
export async function client<T = AnyClient>(target: string, serviceName: string, options: ClientOptions = {}): Promise<ServiceClient<T>> {
  const bound = await findService(serviceName, options.proto, options.idempotent);
  const runtime = sharedRuntime();
  const endpoint = directEndpoint(target);
  if (!endpoint && !runtime.routed) {
    throw new Error(`client: "${target}" is a service name but MSEC_ZK_CONNECT is not set; set it or call an ip:port`);
  }
  if (!endpoint) followCallee(target);
  const caller = runtime.env.service ?? 'client';
  // Every call is counted caller → callee → method in process, with no code in the business service (MSEC's
  // automatic reports); the counts leave in one batch per interval. The RPC layer tells the sink when a call ends
  // (after its last attempt), from the clock readings it takes anyway.
  const stats = callerStats();
  const sink: CallStatsSink | undefined =
    stats === undefined
      ? undefined
      : {
          record: (callee, method, code, latencyMs) =>
            stats.record(caller, callee, (method as BoundMethod).shortName, code, latencyMs, Date.now()),
        };
  const call = (
    method: BoundMethod,
    request: Record<string, unknown>,
    callOptions: ClientCallOptions = NO_CALL_OPTIONS,
  ): Promise<Record<string, unknown>> => {
    // One literal with every field (absent ones undefined): one shape for every call.
    const rpcOptions: RoutedCallOptions = {
      parent: currentCall(),
      timeoutMs: callOptions.timeoutMs,
      stats: sink,
      callee: target,
      hashKey: undefined,
      tag: undefined,
    };
    if (endpoint) return runtime.rpc.call(endpoint, method, request, rpcOptions);
    const rules = routingRules(target);
    const rule = rules.size === 0 ? undefined : rules.ruleFor(caller, request);
    // Rule hits are counted per minute in Monitoring under the caller: msec.route.hits|<callee>|<rule id>.
    if (rule !== undefined) monitor.add(`${ROUTE_HITS_ATTR}|${target}|${rule.id}`, 1);
    rpcOptions.hashKey = callOptions.hashKey;
    rpcOptions.tag = rule?.tag;
    return runtime.routed!.call(target, method, request, rpcOptions);
  };
  const methods: AnyClient = {};
  for (const [name, method] of Object.entries(bound.methods)) methods[name] = (request, callOptions) => call(method, request, callOptions);
  return Object.freeze(methods) as ServiceClient<T>;
}
