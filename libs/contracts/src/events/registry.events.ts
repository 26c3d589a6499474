import { RegistryEventType } from '../registry/registry-events.js';
import type { EventDefinition } from './event-definition.js';

const OWNER = 'registry';
const SUBJECT = 'registry.<service name>';
const INSTANCE = {
  service: 'string: the service name, e.g. Flight.mod_flight',
  ip: 'string: the instance address',
  port: 'number: the instance port',
};

/** The registry's events: the service tree and its instances, appended under `registry.<service name>`. */
export const registryEventDefinitions: EventDefinition[] = [
  {
    type: RegistryEventType.serviceCreated,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: 'A service was added to the service tree (by hand, or by the first release of a service nobody registered).',
    fields: {
      name: 'string: the service name, e.g. Flight.mod_flight',
      kind: "string: 'standard' (built on the SDK) or 'heterogeneous' (any endpoint routed by name)",
      protocol: 'string: the protocol callers speak, e.g. msec or http',
      memo: 'string: free text shown in the console',
    },
    example: { name: 'Flight.mod_flight', kind: 'standard', protocol: 'msec', memo: 'flight search' },
  },
  {
    type: RegistryEventType.serviceDeleted,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: 'An empty service was removed from the service tree.',
    fields: { name: 'string: the service name' },
    example: { name: 'Flight.mod_flight' },
  },
  {
    type: RegistryEventType.instanceAdded,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: 'An instance was configured for a service; it receives no calls until it is enabled (scaled out).',
    fields: { ...INSTANCE, weight: 'number: the static weight, 100 to 10000' },
    example: { service: 'Flight.mod_flight', ip: '10.0.0.7', port: 7000, weight: 1000 },
  },
  {
    type: RegistryEventType.instanceRemoved,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: 'A disabled instance was removed from a service.',
    fields: INSTANCE,
    example: { service: 'Flight.mod_flight', ip: '10.0.0.7', port: 7000 },
  },
  {
    type: RegistryEventType.instanceEnabled,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: 'An instance was scaled out: callers route to it from now on.',
    fields: INSTANCE,
    example: { service: 'Flight.mod_flight', ip: '10.0.0.7', port: 7000 },
  },
  {
    type: RegistryEventType.instanceDisabled,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description:
      'An instance was scaled in: callers stop routing to it; it stays configured. Taken out of routing because its host went offline, it names the host.',
    fields: { ...INSTANCE, hostOffline: 'string, optional: the host id when its host was taken offline for maintenance' },
    example: { service: 'Flight.mod_flight', ip: '10.0.0.7', port: 7000, hostOffline: 'host-1' },
  },
  {
    type: RegistryEventType.instanceWeightChanged,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: "An instance's static weight changed.",
    fields: { ...INSTANCE, weight: 'number: the new static weight, 100 to 10000' },
    example: { service: 'Flight.mod_flight', ip: '10.0.0.7', port: 7000, weight: 2000 },
  },
  {
    type: RegistryEventType.rateLimitSet,
    version: 1,
    owner: 'registry',
    subject: 'registry.<service name>',
    description: 'A rate limit was set (or changed) for one method of a service; each instance enforces it.',
    fields: {
      service: 'string: the service name (First.Second)',
      method: 'string: the full method name (pkg.Service.Method), or * for every method without its own limit',
      qps: 'number: requests per second each instance admits (with cluster: the whole service admits)',
      cluster: 'boolean, optional: qps is shared evenly by the enabled, live instances of the service',
      burst: 'number, optional: tokens a bucket holds when full (default: qps)',
      by: 'string: the user who made the change',
    },
    example: { service: 'Flight.mod_query', method: 'flight.FlightService.Query', qps: 200, cluster: false, burst: 200, by: 'alice' },
  },
  {
    type: RegistryEventType.rateLimitRemoved,
    version: 1,
    owner: 'registry',
    subject: 'registry.<service name>',
    description: "A method's rate limit was removed; its calls are no longer limited.",
    fields: {
      service: 'string: the service name',
      method: 'string: the method whose limit was removed, or *',
      by: 'string: the user who made the change',
    },
    example: { service: 'Flight.mod_query', method: 'flight.FlightService.Query', by: 'alice' },
  },
  {
    type: RegistryEventType.breakerSettingsSet,
    version: 1,
    owner: 'registry',
    subject: 'registry.<service name>',
    description: 'The circuit-breaker settings callers use for a service were set; empty settings restore the defaults.',
    fields: {
      service: 'string: the callee service name',
      settings:
        'object: any of windowMs, minCalls, errorRatio, slowCallMs, slowRatio, openMs, halfOpenProbes (numbers); the rest keep their defaults',
      by: 'string: the user who made the change',
    },
    example: { service: 'Flight.mod_query', settings: { errorRatio: 0.5, openMs: 5000 }, by: 'alice' },
  },
  {
    type: RegistryEventType.routingRuleSet,
    version: 1,
    owner: 'registry',
    subject: 'registry.<service name>',
    description:
      "A routing rule was set (or replaced) for a service: callers send the requests it matches to the service's instances carrying its tag.",
    fields: {
      service: 'string: the callee service name',
      rule: 'object: id, tag, order (lower first) and the conditions that must all hold: caller (calling service), field with values (request field equals one of them) or with percent (hash of the field value below percent of 100), percent alone (share at random)',
      by: 'string: the user who made the change',
    },
    example: {
      service: 'User.mod_user',
      rule: { id: 'beta-users', tag: 'v2', order: 10, field: 'name', values: ['bison', 'ant'] },
      by: 'alice',
    },
  },
  {
    type: RegistryEventType.routingRuleRemoved,
    version: 1,
    owner: 'registry',
    subject: 'registry.<service name>',
    description: 'A routing rule was removed; the requests it matched go back to normal selection.',
    fields: { service: 'string: the callee service name', id: 'string: the rule id', by: 'string: the user who made the change' },
    example: { service: 'User.mod_user', id: 'beta-users', by: 'alice' },
  },
  {
    type: RegistryEventType.instanceTagsSet,
    version: 1,
    owner: OWNER,
    subject: SUBJECT,
    description: "An instance's tags were set; routing rules send requests to instances by tag. Empty tags untag it.",
    fields: { ...INSTANCE, tags: 'string[]: the tags, e.g. ["v2"]', by: 'string: the user who made the change' },
    example: { service: 'User.mod_user', ip: '10.0.0.8', port: 7001, tags: ['v2'], by: 'alice' },
  },
];
