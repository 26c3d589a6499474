import type { EntityManager } from 'typeorm';
import type { EventMeta, Projection } from '@msec/bus';
import { LogEventSubjects, LogEventType } from '@msec/contracts';
import { ColourRuleEntity } from '../storage/log.entities.js';
import type { LogEvent } from './colour.domain.js';
import { deleteAllRows } from '@msec/persistence';

/** The colouring rules read model (`log_colour_rule`). */
export class ColourRulesProjection implements Projection<LogEvent> {
  readonly service = 'log';
  readonly name = 'colour-rules';
  readonly subjects = LogEventSubjects.colour;

  async apply(em: EntityManager, event: LogEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(ColourRuleEntity);
    if (event.type === LogEventType.colourRuleSet) {
      await repo.save({ ...event.payload, createdAt: Date.parse(event.occurredAt) });
    } else if (event.type === LogEventType.colourRuleDeleted) {
      await repo.delete({ id: event.payload.id });
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, ColourRuleEntity);
  }
}
