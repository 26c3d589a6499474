import type { EntityManager } from 'typeorm';
import type { EventMeta, Projection } from '@msec/bus';
import { DeployEventSubjects } from '@msec/contracts';
import { foldRelease, type ReleaseEvent } from './release-fold.js';
import { ReleaseRecord } from './releases.entities.js';
import { toPlan, toRecord } from './releases.repository.js';
import { deleteAllRows } from '@msec/persistence';

/** The release plans read model (`deploy_releases`): each plan's row is the fold of its events. */
export class ReleasesProjection implements Projection<ReleaseEvent> {
  readonly service = 'deploy';
  readonly name = 'releases';
  readonly subjects = DeployEventSubjects.releasesAll;

  async apply(em: EntityManager, event: ReleaseEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(ReleaseRecord);
    const row = await repo.findOneBy({ planId: event.payload.planId });
    await repo.save(toRecord(foldRelease(row ? toPlan(row) : null, event)));
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, ReleaseRecord);
  }
}
