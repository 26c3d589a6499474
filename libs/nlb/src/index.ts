/** Errors of route lookup and selection. */
export {
  NlbError,
  NlbErrorCode,
  invalidServiceName,
  invalidRoute,
  noRoute,
  unknownStrategy,
  invalidOption,
  zooKeeperUnavailable,
  closed,
} from './nlb.errors.js';
/** The route table's shapes. */
export { instanceKey, isRoutable, MIN_WEIGHT, MAX_WEIGHT, DEFAULT_WEIGHT } from './route-types.js';
export type { RouteInstance } from './route-types.js';
/** Instance znode data, both ways, and service-name checks. */
export { encodeRouteInstance, decodeRouteInstance, assertServiceName } from './route-codec.js';
export type { ConfiguredInstance } from './route-codec.js';
/** Znode layout of the service tree (to move to @msec/contracts). */
export { SERVICES_ROOT, RoutePaths } from './route-paths.js';
/** Where routes come from: ZooKeeper with watches and a snapshot, or a fixed table. */
export { ZkRouteCache } from './zk-route-cache.js';
export type { ZkRouteCacheOptions } from './zk-route-cache.js';
export { StaticRouteSource } from './route-source.js';
export type { RouteSource } from './route-source.js';
/** Writes configured membership and live announcements (registry, business processes, tests). */
export { ZkRouteWriter } from './zk-route-writer.js';
export type { ZkRouteWriterOptions } from './zk-route-writer.js';
/** ZooKeeper digest identities and the ACLs of the service tree. */
export { ZkAclPolicy, parseZkAuth, formatZkAuth, digestId, serviceIdentity, authenticate } from './zk-acl.js';
export type { ZkIdentity, ZkAclPolicyOptions } from './zk-acl.js';
/** Pluggable selection strategies. */
export { StrategyName, resolveStrategy } from './strategies/resolve-strategy.js';
export { SmoothWeightedStrategy } from './strategies/smooth-weighted.js';
export { WeightedRandomStrategy } from './strategies/weighted-random.js';
export { ConsistentHashStrategy, hash32 } from './strategies/consistent-hash.js';
export type { Strategy, StrategyFactory } from './strategies/strategy.js';
/** Adaptive health: success and latency EWMAs, ejection, probing and ramp-up. */
export { InstanceHealth, HealthState, DEFAULT_ADAPTIVE_OPTIONS, adaptiveOptions } from './instance-health.js';
export type { AdaptiveOptions } from './instance-health.js';
/** The selector a caller uses: getRoute, then reportResult. */
export { Nlb } from './nlb.js';
export type { NlbOptions, Route, InstanceWeight } from './nlb.js';
/** Time source, replaceable in tests. */
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
