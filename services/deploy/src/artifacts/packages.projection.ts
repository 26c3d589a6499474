import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, type DeployEventPayloads } from '@msec/contracts';
import { PackageRecord } from './artifacts.entities.js';
import { deleteAllRows } from '@msec/persistence';

type PackagePayloads = Pick<DeployEventPayloads, 'deploy.PackageVersionAdded' | 'deploy.PackageMovedToObjectStore'>;
/** A package event. */
export type PackageEvent = { [K in keyof PackagePayloads]: DomainEvent<K, PackagePayloads[K]> }[keyof PackagePayloads];

/** The packages read model (`deploy_packages`): one row per version, pointing at its tarball. */
export class PackagesProjection implements Projection<PackageEvent> {
  readonly service = 'deploy';
  readonly name = 'packages';
  readonly subjects = DeployEventSubjects.packagesAll;

  async apply(em: EntityManager, event: PackageEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(PackageRecord);
    if (event.type === DeployEventType.packageVersionAdded) await repo.save({ ...event.payload });
    else {
      const { name, version, bucket, objectName } = event.payload;
      await repo.update({ name, version }, { bucket, objectName });
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, PackageRecord);
  }
}
