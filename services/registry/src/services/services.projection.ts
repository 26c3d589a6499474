import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { RegistryEventType, sortRoutingRules, type RegistryEventPayloads, type RoutingRule } from '@msec/contracts';
import { InstanceEntity, ServiceEntity } from './services.entities.js';
import { TrafficEntity } from '../traffic/traffic.entities.js';
import { deleteAllRows } from '@msec/persistence';

type RegistryEvent = { [K in keyof RegistryEventPayloads]: DomainEvent<K, RegistryEventPayloads[K]> }[keyof RegistryEventPayloads];

/** Event subjects of the registry under the event stream. */
export const REGISTRY_EVENT_SUBJECTS = 'registry.>';

/** The service tree read model: applies registry events idempotently (upserts and deletes by key). */
export class ServicesProjection implements Projection<RegistryEvent> {
  readonly service = 'registry';
  readonly name = 'services';
  readonly subjects = REGISTRY_EVENT_SUBJECTS;

  async apply(em: EntityManager, event: RegistryEvent, _meta: EventMeta): Promise<void> {
    const services = em.getRepository(ServiceEntity);
    const instances = em.getRepository(InstanceEntity);
    switch (event.type) {
      case RegistryEventType.serviceCreated: {
        const { name, kind, protocol, memo } = event.payload;
        await services.save({ name, kind, protocol, memo, createdAt: event.occurredAt });
        return;
      }
      case RegistryEventType.serviceDeleted:
        await em.getRepository(TrafficEntity).delete({ service: event.payload.name });
        await instances.delete({ service: event.payload.name });
        await services.delete({ name: event.payload.name });
        return;
      case RegistryEventType.instanceAdded: {
        const { service, ip, port, weight } = event.payload;
        await instances.save({ service, ip, port, weight, enabled: false, tags: '', disabledByHost: '' });
        return;
      }
      case RegistryEventType.instanceRemoved: {
        const { service, ip, port } = event.payload;
        await instances.delete({ service, ip, port });
        return;
      }
      case RegistryEventType.instanceEnabled: {
        const { service, ip, port } = event.payload;
        await instances.update({ service, ip, port }, { enabled: true, disabledByHost: '' });
        return;
      }
      case RegistryEventType.instanceDisabled: {
        const { service, ip, port, hostOffline } = event.payload;
        await instances.update({ service, ip, port }, { enabled: false, disabledByHost: hostOffline ?? '' });
        return;
      }
      case RegistryEventType.instanceWeightChanged: {
        const { service, ip, port, weight } = event.payload;
        await instances.update({ service, ip, port }, { weight });
        return;
      }
      case RegistryEventType.instanceTagsSet: {
        const { service, ip, port, tags } = event.payload;
        await instances.update({ service, ip, port }, { tags: tags.join(',') });
        return;
      }
      case RegistryEventType.rateLimitSet:
      case RegistryEventType.rateLimitRemoved:
      case RegistryEventType.breakerSettingsSet:
      case RegistryEventType.routingRuleSet:
      case RegistryEventType.routingRuleRemoved:
        await applyTraffic(em, event, _meta);
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, TrafficEntity);
    await deleteAllRows(em, InstanceEntity);
    await deleteAllRows(em, ServiceEntity);
  }
}

type TrafficEvent = Extract<
  RegistryEvent,
  {
    type:
      | 'registry.RateLimitSet'
      | 'registry.RateLimitRemoved'
      | 'registry.BreakerSettingsSet'
      | 'registry.RoutingRuleSet'
      | 'registry.RoutingRuleRemoved';
  }
>;

/**
 * Folds one traffic event into the service's policy row. The version is the event's stream sequence, so applying
 * an event twice (a redelivery) gives the same row.
 */
async function applyTraffic(em: EntityManager, event: TrafficEvent, meta: EventMeta): Promise<void> {
  const repo = em.getRepository(TrafficEntity);
  const service = event.payload.service;
  const row = (await repo.findOneBy({ service })) ?? {
    service,
    version: 0,
    limits: '[]',
    breaker: '{}',
    routes: null,
    updatedBy: '',
    updatedAt: '',
  };
  let limits = JSON.parse(row.limits) as Array<{ method: string; qps: number; burst?: number; cluster?: boolean }>;
  let breaker = JSON.parse(row.breaker) as Record<string, number>;
  let routes = JSON.parse(row.routes ?? '[]') as RoutingRule[];
  if (event.type === RegistryEventType.rateLimitSet) {
    const { method, qps, burst, cluster } = event.payload;
    const limit = { method, qps, ...(burst === undefined ? {} : { burst }), ...(cluster === true ? { cluster } : {}) };
    limits = [...limits.filter((l) => l.method !== method), limit];
    limits.sort((a, b) => a.method.localeCompare(b.method));
  } else if (event.type === RegistryEventType.rateLimitRemoved) {
    limits = limits.filter((l) => l.method !== event.payload.method);
  } else if (event.type === RegistryEventType.breakerSettingsSet) {
    breaker = event.payload.settings;
  } else if (event.type === RegistryEventType.routingRuleSet) {
    const rule = event.payload.rule;
    routes = sortRoutingRules([...routes.filter((r) => r.id !== rule.id), rule]);
  } else {
    const id = event.payload.id;
    routes = routes.filter((r) => r.id !== id);
  }
  await repo.save({
    service,
    version: Number(meta.seq),
    limits: JSON.stringify(limits),
    breaker: JSON.stringify(breaker),
    routes: routes.length > 0 ? JSON.stringify(routes) : null,
    updatedBy: event.payload.by,
    updatedAt: event.occurredAt,
  });
}
