import {
  RateLimiter,
  RpcServer,
  type QuotaStore,
  type CallContext,
  type CallEvent,
  type CallListener,
  type RpcServerOptions,
} from '@msec/rpc';
import { unknownCaller } from '@msec/contracts';
import { ZkRouteWriter } from '@msec/nlb';
import { readSdkEnvironment } from '../config/sdk-env.js';
import { runInCall } from '../runtime/call-scope.js';
import { findService } from '../runtime/proto-catalog.js';
import { closeSharedRuntime, followServingCount, followTraffic, sharedRuntime } from '../runtime/shared-runtime.js';
import { closeTelemetry, monitor, telemetryHub } from '../telemetry/telemetry-hub.js';
import { NatsQuotaStore } from './nats-quota-store.js';
import { spanFromServedCall, type MsecLogger } from '../log/index.js';
import { requestContext, type ServiceDefinition } from './define-service.js';

/**
 * MSEC's colouring: a request whose top-level fields match a rule set in the console (e.g. name == "bison") is
 * coloured here, at the first module it reaches; the flag then travels in the RPC head to every module downstream.
 */
function colourByRules(call: CallContext, request: unknown, logger: MsecLogger | undefined): CallContext {
  if (call.coloring === 1 || !logger || logger.colourRules.rules.length === 0 || typeof request !== 'object' || request === null)
    return call;
  return logger.matchesColourRule({ ...(request as Record<string, unknown>) }) ? colouredView(call) : call;
}

/**
 * The same call with the colour flag set; a coloured request is traced from here on. A spread copy would drop the
 * context's methods (remainingMs), which nested calls need.
 */
function colouredView(call: CallContext): CallContext {
  call.markTraced();
  return Object.create(call, { coloring: { value: 1, enumerable: true } }) as CallContext;
}

const NAME_CACHE_MAX = 1024;
const shortNames = new Map<string, string>();
const unknownCallers = new Map<string, string>();

/** `queryFlight` of `flight.flight_service.queryFlight`: the method name the caller side reports. */
function shortMethod(method: string): string {
  let name = shortNames.get(method);
  if (name === undefined) {
    if (shortNames.size >= NAME_CACHE_MAX) shortNames.clear();
    name = method.slice(method.lastIndexOf('.') + 1);
    shortNames.set(method, name);
  }
  return name;
}

/** The caller a statistic is kept under: the name in the head (made safe as an attribute part), else `unknown@<ip>`. */
function callerOf(event: CallEvent): string {
  const caller = event.caller;
  if (caller !== undefined && caller.length > 0) {
    return caller.length <= 128 && caller.indexOf('|') < 0 ? caller : caller.slice(0, 128).replaceAll('|', '_');
  }
  let name = unknownCallers.get(event.peer);
  if (name === undefined) {
    if (unknownCallers.size >= NAME_CACHE_MAX) unknownCallers.clear();
    name = unknownCaller(event.peer.slice(0, event.peer.lastIndexOf(':')));
    unknownCallers.set(event.peer, name);
  }
  return name;
}

/** Attribute counting, per minute, claims of a cluster-wide limit the quota store failed (the even share applied). */
export const QUOTA_UNREACHABLE_ATTR = 'msec.limit.quota_unreachable';

function reportingFailures(store: QuotaStore): QuotaStore {
  return {
    claim: (method, window, want, limit) =>
      store.claim(method, window, want, limit).catch((error: unknown) => {
        monitor.add(QUOTA_UNREACHABLE_ATTR, 1);
        throw error;
      }),
  };
}

/** Overrides of what the environment says (tests, or a process serving without an agent). */
export interface ServeOptions {
  service?: string;
  host?: string;
  port?: number;
  zkConnect?: string;
  /** Stop on SIGTERM/SIGINT (default true). */
  handleSignals?: boolean;
  onCall?: CallListener;
  /** Server limits (defaults: 4 MiB frames, 32 MiB of incomplete frames in all, 4 096 connections, 10 s for a stalled frame). */
  limits?: Pick<RpcServerOptions, 'maxFrameBytes' | 'maxPartialFrameBytes' | 'maxConnections' | 'partialFrameTimeoutMs' | 'idleTimeoutMs'>;
}

/** A serving process. */
export interface RunningService {
  readonly service: string | undefined;
  readonly host: string;
  readonly port: number;
  /** Graceful stop: withdraw the live announcement, stop accepting, finish calls in flight, close. */
  stop(): Promise<void>;
}

/**
 * Serves the definitions with one call: listens on the port the agent gave (MSEC_PORT), registers every rpc,
 * and announces this instance live in ZooKeeper so callers route to it once the registry has it enabled.
 */
export async function serve(definitions: ServiceDefinition | ServiceDefinition[], options: ServeOptions = {}): Promise<RunningService> {
  const env = readSdkEnvironment();
  const service = options.service ?? env.service;
  const host = options.host ?? env.host;
  const zkConnect = options.zkConnect ?? env.zkConnect;
  // The traffic policy and routes come from the same ZooKeeper as the announcement, also when only the option names it.
  if (zkConnect !== undefined) sharedRuntime(zkConnect);
  const hub = telemetryHub();
  hub.configure();
  await hub.ready();
  // Every served call is counted for the callee-side statistics; it becomes a span for the call graph when its
  // request is traced, or when it failed or was slow (so failures can be found even when not sampled).
  const stats = hub.calleeStats;
  const slowMs = hub.slowMs;
  const extra = options.onCall;
  const onCall: CallListener | undefined =
    stats === undefined || !service
      ? extra
      : (event) => {
          extra?.(event);
          if (event.side !== 'server') return;
          stats.record(callerOf(event), service, shortMethod(event.method), event.code, event.latencyMs, Date.now());
          if (event.traced || !event.ok || event.latencyMs >= slowMs) hub.reportSpan(spanFromServedCall(event, service, env.hostName));
        };
  const sampler = hub.sampler;
  // The rate limits of the service's traffic policy, followed in ZooKeeper and enforced per instance.
  const admission = new RateLimiter();
  if (service) {
    followTraffic(service, (policy) => admission.set(policy?.limits ?? []));
    followServingCount(service, (count) => admission.share(count));
    // Cluster-wide limits are counted by all instances together in NATS; a failed count is reported in Monitoring.
    const nc = hub.connection;
    if (nc !== undefined) admission.useQuota(reportingFailures(new NatsQuotaStore(nc, service)));
  }
  const server = new RpcServer({
    ...options.limits,
    host,
    port: options.port ?? env.port,
    onCall,
    sample: () => sampler.sample(),
    admission,
  });
  for (const definition of Array.isArray(definitions) ? definitions : [definitions]) {
    const bound = await findService(definition.serviceName, definition.proto, definition.idempotent);
    for (const [name, method] of Object.entries(bound.methods)) {
      const handler = definition.impl[name];
      if (typeof handler !== 'function') throw new Error(`defineService(${definition.serviceName}): no handler for rpc ${name}`);
      server.handle(method, (request, call) => {
        const served = colourByRules(call, request, hub.logger);
        return runInCall(served, () => handler(request as never, requestContext(served, hub.logger)));
      });
    }
  }
  const address = await server.listen();
  let writer: ZkRouteWriter | undefined;
  const key = `${address.host}:${address.port}`;
  if (service && zkConnect) {
    writer = await ZkRouteWriter.open(zkConnect, { auth: env.zkAuth });
    await writer.announceLive(service, key);
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await server.close({
        deregister: async () => {
          await writer?.withdrawLive(service!, key).catch(() => undefined);
        },
      });
      writer?.close();
      closeSharedRuntime();
      await closeTelemetry();
    })();
    return stopping;
  };
  if (options.handleSignals ?? true) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop().then(() => process.exit(0)));
  }
  return { service, host: address.host, port: address.port, stop };
}
