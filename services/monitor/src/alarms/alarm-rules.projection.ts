import type { EntityManager } from 'typeorm';
import type { EventMeta, Projection } from '@msec/bus';
import { MonitorEventSubjects, MonitorEventType, type AlarmRuleEventPayload, type AlarmRuleView } from '@msec/contracts';
import { AlarmRuleEntity, WebhookUrlEntity } from './alarm.entities.js';
import type { MonitorEvent } from './monitor-event-log.js';
import { deleteAllRows } from '@msec/persistence';

/** A rule as its events leave it: the payload, the digest of its webhook and when it was made and last changed. */
export interface FoldedRule extends AlarmRuleEventPayload {
  createdAt: string;
  updatedAt: string;
}

/** Folds one service's rule events into its rules by id (deleted ones absent). */
export function foldRules(events: MonitorEvent[]): Map<string, FoldedRule> {
  const rules = new Map<string, FoldedRule>();
  for (const event of events) {
    switch (event.type) {
      case MonitorEventType.alarmRuleCreated:
        rules.set(event.payload.id, { ...event.payload, createdAt: event.occurredAt, updatedAt: event.occurredAt });
        break;
      case MonitorEventType.alarmRuleUpdated: {
        const before = rules.get(event.payload.id);
        rules.set(event.payload.id, { ...event.payload, createdAt: before?.createdAt ?? event.occurredAt, updatedAt: event.occurredAt });
        break;
      }
      case MonitorEventType.alarmRuleImported:
        rules.set(event.payload.id, { ...event.payload });
        break;
      case MonitorEventType.alarmRuleDeleted:
        rules.delete(event.payload.id);
        break;
      default:
        break;
    }
  }
  return rules;
}

/** The view of a folded rule, its webhook URL given. */
export function ruleView(rule: FoldedRule, webhookUrl: string | null): AlarmRuleView {
  const { id, service, attr, type, threshold, host, enabled, createdAt, updatedAt } = rule;
  return { id, service, attr, type, threshold, host, webhookUrl, enabled, createdAt, updatedAt };
}

/** The alarm rules read model (`monitor_alarm_rules`), the webhook URL looked up by the digest the event names. */
export class AlarmRulesProjection implements Projection<MonitorEvent> {
  readonly service = 'monitor';
  readonly name = 'alarm-rules';
  readonly subjects = MonitorEventSubjects.rule('>');

  async apply(em: EntityManager, event: MonitorEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(AlarmRuleEntity);
    switch (event.type) {
      case MonitorEventType.alarmRuleCreated:
      case MonitorEventType.alarmRuleUpdated:
      case MonitorEventType.alarmRuleImported: {
        const before = await repo.findOneBy({ id: event.payload.id });
        const folded = foldRules([event]).get(event.payload.id)!;
        if (event.type === MonitorEventType.alarmRuleUpdated && before !== null) folded.createdAt = before.createdAt;
        const webhookUrl = await webhookUrlOf(em, folded.webhookDigest);
        await repo.save(repo.create({ ...ruleView(folded, webhookUrl) }));
        return;
      }
      case MonitorEventType.alarmRuleDeleted:
        await repo.delete({ id: event.payload.id });
        return;
      default:
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, AlarmRuleEntity);
  }
}

async function webhookUrlOf(em: EntityManager, digest: string | null): Promise<string | null> {
  if (digest === null) return null;
  return (await em.getRepository(WebhookUrlEntity).findOneBy({ digest }))?.url ?? null;
}
