import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { DeployEventSubjects, type DeployEventPayloads } from '@msec/contracts';
import { ConfigVersionRecord } from './artifacts.entities.js';

/** A config version event. */
export type ConfigVersionEvent = DomainEvent<'deploy.ConfigVersionAdded', DeployEventPayloads['deploy.ConfigVersionAdded']>;

/** The config versions read model (`deploy_config_versions`): one row per `deploy.ConfigVersionAdded`. */
export class ConfigVersionsProjection implements Projection<ConfigVersionEvent> {
  readonly service = 'deploy';
  readonly name = 'config_versions';
  readonly subjects = DeployEventSubjects.configAll;

  async apply(em: EntityManager, event: ConfigVersionEvent, _meta: EventMeta): Promise<void> {
    await em.getRepository(ConfigVersionRecord).save({ ...event.payload });
  }

  async reset(em: EntityManager): Promise<void> {
    await em.getRepository(ConfigVersionRecord).clear();
  }
}
