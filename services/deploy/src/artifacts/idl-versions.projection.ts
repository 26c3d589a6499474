import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { DeployEventSubjects, type DeployEventPayloads } from '@msec/contracts';
import { IdlVersionRecord } from './artifacts.entities.js';
import { deleteAllRows } from '@msec/persistence';

/** An IDL version event. */
export type IdlVersionEvent = DomainEvent<'deploy.IdlVersionAdded', DeployEventPayloads['deploy.IdlVersionAdded']>;

/** The IDL versions read model (`deploy_idl_versions`): one row per `deploy.IdlVersionAdded`. */
export class IdlVersionsProjection implements Projection<IdlVersionEvent> {
  readonly service = 'deploy';
  readonly name = 'idl_versions';
  readonly subjects = DeployEventSubjects.idlAll;

  async apply(em: EntityManager, event: IdlVersionEvent, _meta: EventMeta): Promise<void> {
    const { service, tag, memo, files, createdAt } = event.payload;
    await em.getRepository(IdlVersionRecord).save({ service, tag, memo, filesJson: JSON.stringify(files), createdAt });
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, IdlVersionRecord);
  }
}
