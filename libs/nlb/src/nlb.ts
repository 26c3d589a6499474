import { systemClock, type Clock } from './clock.js';
import { adaptiveOptions, HealthState, InstanceHealth, type AdaptiveOptions } from './instance-health.js';
import { invalidOption, noRoute } from './nlb.errors.js';
import { assertServiceName } from './route-codec.js';
import type { RouteSource } from './route-source.js';
import { instanceKey, isRoutable, type RouteInstance } from './route-types.js';
import { resolveStrategy, StrategyName } from './strategies/resolve-strategy.js';
import type { Strategy, StrategyFactory } from './strategies/strategy.js';

/** Options of an Nlb; only `routes` is required. */
export interface NlbOptions {
  routes: RouteSource;
  /** Default 'smooth-weighted'. */
  strategy?: string;
  adaptive?: Partial<AdaptiveOptions>;
  clock?: Clock;
  random?: () => number;
}

/** The instance chosen for one call; hand it back to `reportResult`. Reused across calls: do not mutate. */
export interface Route {
  readonly service: string;
  readonly key: string;
  readonly ip: string;
  readonly port: number;
  readonly instance: RouteInstance;
  /** @internal this caller's record of the instance. */
  readonly health: InstanceHealth;
}

/** One instance as this caller currently weighs it: for consoles, monitoring and tests. */
export interface InstanceWeight {
  key: string;
  staticWeight: number;
  effectiveWeight: number;
  state: HealthState;
  successRatio: number;
  latencyMs: number | undefined;
  samples: number;
}

/** Instances one call may go to, with the selection state of that set. */
interface RouteGroup {
  routes: Route[];
  weights: Float64Array;
  strategy: Strategy;
}

interface ServiceState {
  source: readonly RouteInstance[];
  /** Every routable instance. */
  all: RouteGroup;
  /** Routable instances without tags: where requests go that no routing rule sends to a tag. */
  untagged: RouteGroup;
  /** Routable instances by tag. */
  byTag: Map<string, RouteGroup>;
}

/**
 * Local, adaptive instance selection (MSEC's getroutebyname / updateroute): each caller weighs instances by their
 * static weight and its own success and latency record, ejects failing ones within a few calls, probes them
 * back one call at a time and ramps them up gradually. No central component is involved, so routing goes on
 * while ZooKeeper and the console are down. `getRoute` does not allocate once a service is loaded.
 */
export class Nlb {
  private readonly source: RouteSource;
  private readonly strategyFactory: StrategyFactory;
  private readonly adaptive: Readonly<AdaptiveOptions>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly services = new Map<string, ServiceState>();
  private readonly health = new Map<string, Map<string, InstanceHealth>>();

  constructor(options: NlbOptions) {
    if (options.routes === undefined) throw invalidOption('routes', 'give a RouteSource (a ZkRouteCache or a StaticRouteSource)');
    this.source = options.routes;
    this.strategyFactory = resolveStrategy(options.strategy ?? StrategyName.smoothWeighted);
    this.adaptive = adaptiveOptions(options.adaptive);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  /** Loads (and starts watching) a service's routes, then picks; use once per service before getRoute, or always. */
  async route(service: string, hashKey?: string, tag?: string): Promise<Route> {
    if (this.source.cached(service) === undefined) {
      assertServiceName(service);
      await this.source.routes(service);
    }
    return this.getRoute(service, hashKey, tag);
  }

  /**
   * Picks an instance of a loaded service for one call. Throws NLB_NO_ROUTE (retryable) when none is routable
   * or the service is not loaded yet (loading then starts; `route()` waits for it). With `tag` (a routing rule
   * matched) it picks among the instances carrying that tag while any of them can take calls, else as without;
   * without it, among the untagged instances (every instance when all are tagged).
   */
  getRoute(service: string, hashKey?: string, tag?: string): Route {
    const cached = this.source.cached(service);
    if (cached === undefined) {
      assertServiceName(service);
      void this.source.routes(service).catch(() => undefined);
      throw noRoute(service, 0);
    }
    let st = this.services.get(service);
    if (st === undefined || st.source !== cached) st = this.rebuild(service, cached);
    const normal = st.untagged.routes.length > 0 ? st.untagged : st.all;
    if (normal.routes.length === 0) throw noRoute(service, cached.length);
    const now = this.clock.now();
    if (tag !== undefined) {
      const tagged = st.byTag.get(tag);
      if (tagged !== undefined) {
        const picked = this.pick(tagged, hashKey, now, false);
        if (picked !== undefined) return picked;
      }
    }
    return this.pick(normal, hashKey, now, true)!;
  }

  /**
   * Picks within a group: a due probe first, else by effective weight. When every instance is ejected it picks by
   * static weight if `lastResort` (trying one beats refusing every call until a probe comes back), else gives up.
   */
  private pick(group: RouteGroup, hashKey: string | undefined, now: number, lastResort: boolean): Route | undefined {
    const routes = group.routes;
    const n = routes.length;
    let fastest = Infinity;
    for (let i = 0; i < n; i++) {
      const h = routes[i]!.health;
      if (h.probeDue(now)) {
        h.markProbe(now);
        return routes[i]!;
      }
      if (h.state !== HealthState.ejected && h.latencyMs !== undefined && h.latencyMs < fastest) fastest = h.latencyMs;
    }
    const weights = group.weights;
    let live = 0;
    for (let i = 0; i < n; i++) {
      const r = routes[i]!;
      const w = r.instance.weight * r.health.factor(now, fastest === Infinity ? undefined : fastest);
      weights[i] = w;
      if (w > 0) live++;
    }
    if (live === 0) {
      if (!lastResort) return undefined;
      for (let i = 0; i < n; i++) weights[i] = routes[i]!.instance.weight;
    }
    return routes[group.strategy.pick(weights, hashKey)];
  }

  /** Records how a call to a route went; `ok` false only for failures that say something about the instance. */
  reportResult(route: Route, ok: boolean, latencyMs: number): void {
    route.health.record(ok, latencyMs, this.clock.now());
  }

  /** This caller's current weighing of a service's routable instances. */
  weights(service: string): InstanceWeight[] {
    const st = this.services.get(service);
    if (st === undefined) return [];
    const now = this.clock.now();
    let fastest: number | undefined;
    for (const r of st.all.routes) {
      const l = r.health.latencyMs;
      if (r.health.state !== HealthState.ejected && l !== undefined && (fastest === undefined || l < fastest)) fastest = l;
    }
    return st.all.routes.map((r) => ({
      key: r.key,
      staticWeight: r.instance.weight,
      effectiveWeight: r.instance.weight * r.health.factor(now, fastest),
      state: r.health.state,
      successRatio: r.health.successRatio,
      latencyMs: r.health.latencyMs,
      samples: r.health.samples,
    }));
  }

  private rebuild(service: string, source: readonly RouteInstance[]): ServiceState {
    let book = this.health.get(service);
    if (book === undefined) {
      book = new Map();
      this.health.set(service, book);
    }
    const routes: Route[] = [];
    const keep = new Set<string>();
    for (const instance of source) {
      if (!isRoutable(instance)) continue;
      const key = instanceKey(instance);
      keep.add(key);
      let health = book.get(key);
      if (health === undefined) {
        health = new InstanceHealth(this.adaptive);
        book.set(key, health);
      }
      routes.push(Object.freeze({ service, key, ip: instance.ip, port: instance.port, instance, health }));
    }
    // An instance scaled in and out again starts with a clean record.
    for (const key of book.keys()) if (!keep.has(key)) book.delete(key);
    const byTag = new Map<string, RouteGroup>();
    for (const tag of new Set(routes.flatMap((r) => r.instance.tags ?? []))) {
      byTag.set(tag, this.group(routes.filter((r) => r.instance.tags?.includes(tag))));
    }
    const st: ServiceState = {
      source,
      all: this.group(routes),
      untagged: this.group(routes.filter((r) => (r.instance.tags?.length ?? 0) === 0)),
      byTag,
    };
    this.services.set(service, st);
    return st;
  }

  private group(routes: Route[]): RouteGroup {
    return {
      routes,
      weights: new Float64Array(routes.length),
      strategy: this.strategyFactory(
        routes.map((r) => r.key),
        this.random,
      ),
    };
  }
}
