import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MonitorSubjects, type AlarmRuleView, type AlarmView, type AlarmsListRequest } from '@msec/contracts';
import { invalidField } from '../monitor.errors.js';
import { AlarmEngine } from './alarm-engine.js';
import { AlarmRules } from './alarm-rules.domain.js';
import { MonitorReadModels, type MonitorRebuildResult } from './monitor-read-models.js';

/** The time alarms are judged at: now, or `atMs` when an operator or a test asks for another instant. */
function evaluationTime(atMs: unknown): number {
  if (atMs === undefined || atMs === null) return Date.now();
  if (typeof atMs !== 'number' || !Number.isFinite(atMs) || atMs < 0)
    throw invalidField('atMs', 'give a time in ms since 1970, or omit it for now');
  return atMs;
}

/** Alarm rule CRUD, the alarm list and an on-demand evaluation. */
@Controller()
export class AlarmsController {
  constructor(
    private readonly rules: AlarmRules,
    private readonly engine: AlarmEngine,
    private readonly readModels: MonitorReadModels,
  ) {}

  @MessagePattern(MonitorSubjects.rulesCreate)
  create(@Payload() payload: unknown): Promise<AlarmRuleView> {
    return this.rules.create(payload);
  }

  @MessagePattern(MonitorSubjects.rulesUpdate)
  update(@Payload() payload: unknown): Promise<AlarmRuleView> {
    return this.rules.update(payload);
  }

  @MessagePattern(MonitorSubjects.rulesDelete)
  remove(@Payload() payload: unknown): Promise<{ id: string; deleted: true }> {
    return this.rules.remove(payload);
  }

  @MessagePattern(MonitorSubjects.rulesList)
  list(@Payload() payload: unknown): Promise<AlarmRuleView[]> {
    return this.rules.list(payload);
  }

  @MessagePattern(MonitorSubjects.alarmsList)
  alarms(@Payload() payload: AlarmsListRequest | undefined): Promise<AlarmView[]> {
    return this.engine.list(payload);
  }

  @MessagePattern(MonitorSubjects.alarmsEvaluate)
  async evaluate(
    @Payload() payload: { atMs?: number } | undefined,
  ): Promise<{ decisions: { ruleId: string; action: string; minute: number }[] }> {
    const decisions = await this.engine.evaluate(evaluationTime(payload?.atMs));
    return { decisions: decisions.map((d) => ({ ruleId: d.rule.id, action: d.action, minute: d.minute })) };
  }

  @MessagePattern(MonitorSubjects.rebuild)
  rebuild(): Promise<MonitorRebuildResult> {
    return this.readModels.rebuild();
  }
}
