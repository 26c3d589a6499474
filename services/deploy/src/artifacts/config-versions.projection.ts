import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, type DeployEventPayloads } from '@msec/contracts';
import { ConfigVersionRecord, LiveConfigRecord } from './artifacts.entities.js';
import { deleteAllRows } from '@msec/persistence';

/** An event of a service's config aggregate: a version stored, or one published live. */
export type ConfigVersionEvent =
  | DomainEvent<'deploy.ConfigVersionAdded', DeployEventPayloads['deploy.ConfigVersionAdded']>
  | DomainEvent<'deploy.ConfigPublished', DeployEventPayloads['deploy.ConfigPublished']>;

/**
 * The config read models: `deploy_config_versions`, one row per `deploy.ConfigVersionAdded`, and
 * `deploy_live_configs`, the version last published live per service.
 */
export class ConfigVersionsProjection implements Projection<ConfigVersionEvent> {
  readonly service = 'deploy';
  readonly name = 'config_versions';
  readonly subjects = DeployEventSubjects.configAll;

  async apply(em: EntityManager, event: ConfigVersionEvent, _meta: EventMeta): Promise<void> {
    if (event.type === DeployEventType.configPublished) {
      await em.getRepository(LiveConfigRecord).save({ ...event.payload });
      return;
    }
    await em.getRepository(ConfigVersionRecord).save({ ...event.payload });
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, ConfigVersionRecord);
    await deleteAllRows(em, LiveConfigRecord);
  }
}
