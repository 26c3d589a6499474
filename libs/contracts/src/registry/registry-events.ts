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
  'registry.InstanceDisabled': { service: string; ip: string; port: number };
  'registry.InstanceWeightChanged': { service: string; ip: string; port: number; weight: number };
  'registry.RateLimitSet': { service: string; method: string; qps: number; burst?: number; cluster?: boolean; by: string };
  'registry.RateLimitRemoved': { service: string; method: string; by: string };
  /** Empty settings restore the defaults. */
  'registry.BreakerSettingsSet': { service: string; settings: Record<string, number>; by: string };
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
