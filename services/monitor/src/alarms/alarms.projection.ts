import type { EntityManager } from 'typeorm';
import type { EventMeta, Projection } from '@msec/bus';
import { AlarmState, MonitorEventSubjects, MonitorEventType } from '@msec/contracts';
import { AlarmEntity } from './alarm.entities.js';
import type { MonitorEvent } from './monitor-event-log.js';
import { deleteAllRows } from '@msec/persistence';

/** Minutes since 1970 of an ISO time. */
function minuteOf(iso: string): number {
  return Math.floor(Date.parse(iso) / 60_000);
}

/**
 * The alarms read model (`monitor_alarms`): one row per alarm episode, opened by AlarmFired, moved on by AlarmHeld
 * and closed by AlarmRecovered. Each step applies only forward (a later minute), so an event seen twice changes nothing.
 */
export class AlarmsProjection implements Projection<MonitorEvent> {
  readonly service = 'monitor';
  readonly name = 'alarms';
  readonly subjects = MonitorEventSubjects.alarm('>');

  async apply(em: EntityManager, event: MonitorEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(AlarmEntity);
    switch (event.type) {
      case MonitorEventType.alarmFired: {
        const p = event.payload;
        if ((await repo.findOneBy({ id: p.alarmId })) !== null) return;
        await repo.insert({
          id: p.alarmId,
          ruleId: p.ruleId,
          service: p.service,
          attr: p.attr,
          host: p.host,
          type: p.type,
          threshold: p.threshold,
          state: AlarmState.active,
          value: p.value,
          message: p.message,
          firstAt: p.at,
          lastAt: p.at,
          lastMinute: minuteOf(p.at),
          count: 1,
          recoveredAt: null,
        });
        return;
      }
      case MonitorEventType.alarmHeld: {
        const p = event.payload;
        const row = await repo.findOneBy({ id: p.alarmId });
        if (row === null || row.state !== AlarmState.active || minuteOf(p.at) <= row.lastMinute) return;
        await repo.update(
          { id: p.alarmId },
          { value: p.value, message: p.message, lastAt: p.at, lastMinute: minuteOf(p.at), count: p.count },
        );
        return;
      }
      case MonitorEventType.alarmRecovered: {
        const p = event.payload;
        const row = await repo.findOneBy({ id: p.alarmId });
        if (row === null || row.state !== AlarmState.active) return;
        await repo.update(
          { id: p.alarmId },
          {
            state: AlarmState.recovered,
            value: p.value,
            lastAt: p.recoveredAt,
            lastMinute: minuteOf(p.recoveredAt),
            recoveredAt: p.recoveredAt,
          },
        );
        return;
      }
      case MonitorEventType.alarmImported: {
        const { alarmId, ...rest } = event.payload;
        await repo.save(repo.create({ id: alarmId, ...rest }));
        return;
      }
      default:
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, AlarmEntity);
  }
}
