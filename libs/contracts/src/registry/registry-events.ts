/** Kinds of service in the tree: built on the SDK, or any endpoint routed by name (a database, a legacy server). */
export const ServiceKind = { standard: 'standard', heterogeneous: 'heterogeneous' } as const;
/** One of ServiceKind. */
export type ServiceKind = (typeof ServiceKind)[keyof typeof ServiceKind];

/** Registry event types, appended to the event stream under `registry.<service name>`. */
export const RegistryEventType = {
  serviceCreated: 'registry.ServiceCreated',
  serviceDeleted: 'registry.ServiceDeleted',
  instanceAdded: 'registry.InstanceAdded',
  instanceRemoved: 'registry.InstanceRemoved',
  instanceEnabled: 'registry.InstanceEnabled',
  instanceDisabled: 'registry.InstanceDisabled',
  instanceWeightChanged: 'registry.InstanceWeightChanged',
  rateLimitSet: 'registry.RateLimitSet',
  rateLimitRemoved: 'registry.RateLimitRemoved',
  breakerSettingsSet: 'registry.BreakerSettingsSet',
  routingRuleSet: 'registry.RoutingRuleSet',
  routingRuleRemoved: 'registry.RoutingRuleRemoved',
  instanceTagsSet: 'registry.InstanceTagsSet',
} as const;
/** One of RegistryEventType. */
export type RegistryEventType = (typeof RegistryEventType)[keyof typeof RegistryEventType];

/** Payloads by event type. */
export interface RegistryEventPayloads {
  'registry.ServiceCreated': { name: string; kind: ServiceKind; protocol: string; memo: string };
  'registry.ServiceDeleted': { name: string };
  'registry.InstanceAdded': { service: string; ip: string; port: number; weight: number };
  'registry.InstanceRemoved': { service: string; ip: string; port: number };
  'registry.InstanceEnabled': { service: string; ip: string; port: number };
  'registry.InstanceDisabled': { service: string; ip: string; port: number; hostOffline?: string };
  'registry.InstanceWeightChanged': { service: string; ip: string; port: number; weight: number };
  'registry.RateLimitSet': { service: string; method: string; qps: number; burst?: number; cluster?: boolean; by: string };
  'registry.RateLimitRemoved': { service: string; method: string; by: string };
  /** Empty settings restore the defaults. */
  'registry.BreakerSettingsSet': { service: string; settings: Record<string, number>; by: string };
  /** A rule is replaced as a whole when one with the same id exists. */
  'registry.RoutingRuleSet': { service: string; rule: RoutingRule; by: string };
  'registry.RoutingRuleRemoved': { service: string; id: string; by: string };
  /** Empty tags untag the instance. */
  'registry.InstanceTagsSet': { service: string; ip: string; port: number; tags: string[]; by: string };
}

/**
 * Sends the requests it matches to the instances of the callee that carry `tag` (a gray release: the new version's
 * instances are tagged, a rule sends some users or callers to them). The conditions given must all hold:
 * - `caller`: the calling service's name;
 * - `field` with `values`: the request field (top level) has one of these values, as text;
 * - `field` with `percent`: the field's value falls in the first `percent` of 100 hash buckets (stable per value);
 * - `percent` alone: that share of requests, at random.
 * Rules are tried in their `order` (then id); the first that matches decides. With no tagged instance live the request
 * goes to the untagged ones; requests no rule matches never go to tagged instances while untagged ones serve.
 */
export interface RoutingRule {
  id: string;
  tag: string;
  /** Lower first; default 100. */
  order: number;
  caller?: string;
  field?: string;
  values?: string[];
  percent?: number;
}

/** NATS request subjects of the registry. */
export const RegistrySubjects = {
  serviceCreate: 'msec.registry.service.create',
  serviceList: 'msec.registry.service.list',
  serviceShow: 'msec.registry.service.show',
  serviceDelete: 'msec.registry.service.delete',
  instanceAdd: 'msec.registry.instance.add',
  instanceRemove: 'msec.registry.instance.remove',
  scaleOut: 'msec.registry.scale-out',
  scaleIn: 'msec.registry.scale-in',
  instanceWeight: 'msec.registry.instance.weight',
  rebuild: 'msec.registry.rebuild',
  trafficShow: 'msec.registry.traffic.show',
  limitSet: 'msec.registry.limit.set',
  limitRemove: 'msec.registry.limit.remove',
  breakerSet: 'msec.registry.breaker.set',
  routeSet: 'msec.registry.route.set',
  routeRemove: 'msec.registry.route.remove',
  instanceTags: 'msec.registry.instance.tags',
} as const;

/** A service's traffic policy as the registry keeps it and publishes it to ZooKeeper (`<service>/traffic`). */
export interface TrafficPolicyView {
  service: string;
  /** Rises by one with every change. */
  version: number;
  /** `cluster`: qps is for the whole service, shared evenly by its serving instances. */
  limits: Array<{ method: string; qps: number; burst?: number; cluster?: boolean }>;
  /** Breaker settings its callers use; empty for the defaults. */
  breaker: Record<string, number>;
  /** Routing rules its callers follow, in the order they are tried. */
  routes: RoutingRule[];
  /** Who made the last change, and when. */
  updatedBy: string;
  updatedAt: string;
}

/** An instance as the registry shows it. */
export interface InstanceView {
  ip: string;
  port: number;
  weight: number;
  enabled: boolean;
  /** The process has announced itself in ZooKeeper (always true for heterogeneous endpoints). */
  live: boolean;
  /** Tags routing rules send requests to (e.g. `v2`); empty for an untagged instance. */
  tags: string[];
}

/** A service as the registry shows it. */
export interface ServiceView {
  name: string;
  kind: ServiceKind;
  protocol: string;
  memo: string;
  createdAt: string;
  instances: InstanceView[];
}
