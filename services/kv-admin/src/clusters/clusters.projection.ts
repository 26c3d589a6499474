import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { KvEventSubjects, KvEventType, type KvEventPayloads } from '@msec/contracts';
import { KvClusterEntity, KvClusterSecretEntity } from './kv.entities.js';
import { deleteAllRows } from '@msec/persistence';

/** A kv-admin event with its typed payload. */
export type KvEvent = { [K in keyof KvEventPayloads]: DomainEvent<K, KvEventPayloads[K]> }[keyof KvEventPayloads];

/** The names the registration events leave registered, with their seeds. */
export function registeredClusters(events: KvEvent[]): Map<string, string[]> {
  const clusters = new Map<string, string[]>();
  for (const e of events) {
    if (e.type === KvEventType.clusterRegistered || e.type === KvEventType.clusterSeedsChanged)
      clusters.set(e.payload.name, e.payload.seeds);
    else if (e.type === KvEventType.clusterUnregistered) clusters.delete(e.payload.name);
  }
  return clusters;
}

/** The registered clusters read model (`kv_clusters`), the sealed password looked up by its reference. */
export class ClustersProjection implements Projection<KvEvent> {
  readonly service = 'kv-admin';
  readonly name = 'clusters';
  readonly subjects = KvEventSubjects.clusters;

  async apply(em: EntityManager, event: KvEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(KvClusterEntity);
    switch (event.type) {
      case KvEventType.clusterRegistered: {
        const { name, seeds, passwordRef } = event.payload;
        const secret = passwordRef === null ? null : await em.getRepository(KvClusterSecretEntity).findOneBy({ ref: passwordRef });
        await repo.save({ name, seeds: JSON.stringify(seeds), createdAt: event.occurredAt, passwordSealed: secret?.sealed ?? null });
        return;
      }
      case KvEventType.clusterSeedsChanged:
        await repo.update({ name: event.payload.name }, { seeds: JSON.stringify(event.payload.seeds) });
        return;
      case KvEventType.clusterUnregistered:
        await repo.delete({ name: event.payload.name });
        return;
      default:
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, KvClusterEntity);
  }
}
