import type { EventDefinition } from './event-definition.js';

/** Catalogue entries of the registry's events (traffic governance). */
export const REGISTRY_EVENTS: readonly EventDefinition[] = [
  {
    type: 'registry.RateLimitSet',
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
    example: { service: 'Flight.mod_query', method: 'flight.FlightService.Query', qps: 200, by: 'alice' },
  },
  {
    type: 'registry.RateLimitRemoved',
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
    type: 'registry.BreakerSettingsSet',
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
];
