import { assertServiceName } from './route-codec.js';
import type { RouteInstance } from './route-types.js';

const EMPTY: readonly RouteInstance[] = Object.freeze([]);

/** Where a selector gets a service's instances: the ZooKeeper cache, or a fixed table. */
export interface RouteSource {
  /** The instances of a service, loading (and watching) them on first use. */
  routes(service: string): Promise<readonly RouteInstance[]>;
  /** The cached instances, without waiting; the same array until they change. Undefined when not loaded. */
  cached(service: string): readonly RouteInstance[] | undefined;
}

/** Routes fixed in code or config: for heterogeneous services, tests and benchmarks. */
export class StaticRouteSource implements RouteSource {
  private readonly table = new Map<string, readonly RouteInstance[]>();

  constructor(table: Record<string, readonly RouteInstance[]> = {}) {
    for (const [service, instances] of Object.entries(table)) this.set(service, instances);
  }

  /** Replaces a service's instances. */
  set(service: string, instances: readonly RouteInstance[]): void {
    assertServiceName(service);
    this.table.set(service, Object.freeze([...instances]));
  }

  routes(service: string): Promise<readonly RouteInstance[]> {
    return Promise.resolve(this.cached(service) ?? []);
  }

  cached(service: string): readonly RouteInstance[] | undefined {
    return this.table.get(service) ?? EMPTY;
  }
}
