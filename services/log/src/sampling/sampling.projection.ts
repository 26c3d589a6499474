import type { EntityManager } from 'typeorm';
import type { EventMeta, Projection } from '@msec/bus';
import { LogEventSubjects, LogEventType } from '@msec/contracts';
import type { LogEvent } from '../colour/colour.domain.js';
import { TraceSamplingEntity } from '../storage/log.entities.js';
import { deleteAllRows } from '@msec/persistence';

/** The trace sampling read model (`log_trace_sampling`). */
export class TraceSamplingProjection implements Projection<LogEvent> {
  readonly service = 'log';
  readonly name = 'trace-sampling';
  readonly subjects = LogEventSubjects.sampling;

  async apply(em: EntityManager, event: LogEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(TraceSamplingEntity);
    if (event.type === LogEventType.traceSamplingSet) await repo.save({ ...event.payload });
    else if (event.type === LogEventType.traceSamplingRemoved) await repo.delete({ service: event.payload.service });
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, TraceSamplingEntity);
  }
}
