import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { RegistryEventType, type RegistryEventPayloads } from '@msec/contracts';
import { InstanceEntity, ServiceEntity } from './services.entities.js';

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
        await instances.delete({ service: event.payload.name });
        await services.delete({ name: event.payload.name });
        return;
      case RegistryEventType.instanceAdded: {
        const { service, ip, port, weight } = event.payload;
        await instances.save({ service, ip, port, weight, enabled: false });
        return;
      }
      case RegistryEventType.instanceRemoved: {
        const { service, ip, port } = event.payload;
        await instances.delete({ service, ip, port });
        return;
      }
      case RegistryEventType.instanceEnabled:
      case RegistryEventType.instanceDisabled: {
        const { service, ip, port } = event.payload;
        await instances.update({ service, ip, port }, { enabled: event.type === RegistryEventType.instanceEnabled });
        return;
      }
      case RegistryEventType.instanceWeightChanged: {
        const { service, ip, port, weight } = event.payload;
        await instances.update({ service, ip, port }, { weight });
        return;
      }
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await em.getRepository(InstanceEntity).clear();
    await em.getRepository(ServiceEntity).clear();
  }
}
