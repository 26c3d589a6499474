import { join } from 'node:path';
import { isRoutable, Nlb, RoutePaths, ZkRouteCache, type RouteInstance } from '@msec/nlb';
import {
  CircuitBreakers,
  parseTrafficPolicy,
  RoutedClient,
  RoutingRules,
  RpcClient,
  type CallListener,
  type TrafficPolicy,
} from '@msec/rpc';
import { readSdkEnvironment, type SdkEnvironment } from '../config/sdk-env.js';

/** What every client in a process shares: one connection pool, one route cache, one adaptive selector. */
export interface SharedRuntime {
  env: SdkEnvironment;
  rpc: RpcClient;
  /** Undefined when no ZooKeeper is configured (direct addresses only). */
  routed: RoutedClient | undefined;
  nlb: Nlb | undefined;
  routes: ZkRouteCache | undefined;
  /** This process's circuit breakers, one per callee method, with each callee's settings from its traffic policy. */
  breakers: CircuitBreakers;
}

let shared: SharedRuntime | undefined;
const callListeners: CallListener[] = [];

/** Tells every added listener about one finished client call. */
const tellCallListeners: CallListener = (event) => {
  for (const listener of callListeners) listener(event);
};

/**
 * Adds a listener told about every finished client call. Until one is added no call event is built (the caller's
 * statistics are counted without one).
 */
export function onClientCall(listener: CallListener): void {
  callListeners.push(listener);
  shared?.rpc.setCallListener(tellCallListeners);
}

/**
 * The process's shared runtime, created from the environment on first use. `zkConnect` (serve's option) stands in
 * for MSEC_ZK_CONNECT when the runtime is created by this call (as it does for the announcement); a runtime already
 * made keeps its own.
 */
export function sharedRuntime(zkConnect?: string): SharedRuntime {
  if (shared) return shared;
  const fromEnv = readSdkEnvironment();
  const env = zkConnect === undefined ? fromEnv : { ...fromEnv, zkConnect };
  const rpc = new RpcClient({ caller: env.service, onCall: callListeners.length > 0 ? tellCallListeners : undefined });
  let routes: ZkRouteCache | undefined;
  let nlb: Nlb | undefined;
  let routed: RoutedClient | undefined;
  if (env.zkConnect) {
    routes = new ZkRouteCache({
      connect: env.zkConnect,
      auth: env.zkAuth,
      snapshotFile: join(env.dataDir, 'routes', `${env.service ?? 'client'}${env.port ? `-${env.port}` : ''}.json`),
    });
    nlb = new Nlb({ routes });
  }
  const breakers = new CircuitBreakers();
  if (nlb !== undefined) routed = new RoutedClient({ router: nlb, client: rpc, breakers });
  shared = { env, rpc, routed, nlb, routes, breakers };
  return shared;
}

/** The shared runtime if something already made it (reporters must not make one: it opens a ZooKeeper session). */
export function existingSharedRuntime(): SharedRuntime | undefined {
  return shared;
}

const followed = new Set<string>();
/** Each followed callee's routing rules, as its traffic policy last said. */
const routing = new Map<string, RoutingRules>();

/**
 * Follows a service's traffic policy znode: `onPolicy` gets it now and after every change within about a second
 * (undefined when there is none, or it is unreadable: a bad policy is reported and ignored, never half applied).
 */
export function followTraffic(service: string, onPolicy: (policy: TrafficPolicy | undefined) => void): void {
  const routes = sharedRuntime().routes;
  if (routes === undefined) return;
  routes.watchData(RoutePaths.traffic(service), (data) => {
    if (data === undefined || data.length === 0) return onPolicy(undefined);
    try {
      onPolicy(parseTrafficPolicy(data, `${RoutePaths.traffic(service)}`));
    } catch (error) {
      process.emitWarning(`ignoring the traffic policy of ${service}: ${(error as Error).message}`);
      onPolicy(undefined);
    }
  });
}

/**
 * Tells `onCount` how many instances of `service` serve (enabled and live), now and after every change: the share
 * of a cluster-wide rate limit each instance admits. Nothing happens without ZooKeeper.
 */
export function followServingCount(service: string, onCount: (count: number) => void): void {
  const routes = sharedRuntime().routes;
  if (routes === undefined) return;
  const count = (instances: readonly RouteInstance[]): void => onCount(instances.filter(isRoutable).length);
  routes.on('change', (changed: string, instances: readonly RouteInstance[]) => {
    if (changed === service) count(instances);
  });
  routes.routes(service).then(count, () => undefined);
}

/**
 * Follows a callee's traffic policy (once per callee): its breaker settings go to this process's breakers, its
 * routing rules to `routingRules(service)`.
 */
export function followCallee(service: string): void {
  if (followed.has(service)) return;
  followed.add(service);
  const { breakers } = sharedRuntime();
  followTraffic(service, (policy) => {
    breakers.configure(service, policy?.breaker);
    routing.set(service, RoutingRules.of(policy?.routes ?? []));
  });
}

/** The routing rules of a followed callee (none until its policy is read). */
export function routingRules(service: string): RoutingRules {
  return routing.get(service) ?? RoutingRules.none;
}

/** Closes connections and the ZooKeeper session (end of process or tests). */
export function closeSharedRuntime(): void {
  shared?.rpc.close();
  shared?.routes?.close();
  shared = undefined;
  followed.clear();
  routing.clear();
}
