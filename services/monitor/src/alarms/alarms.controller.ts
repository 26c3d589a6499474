import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MonitorSubjects, type AlarmRuleView, type AlarmView, type AlarmsListRequest } from '@msec/contracts';
import { MonitorRuntime, type MonitorRebuildResult } from '../monitor-runtime.js';

/** Alarm rule CRUD, the alarm list and an on-demand evaluation. */
@Controller()
export class AlarmsController {
  constructor(private readonly runtime: MonitorRuntime) {}

  @MessagePattern(MonitorSubjects.rulesCreate)
  create(@Payload() payload: unknown): Promise<AlarmRuleView> {
    return this.runtime.rules.create(payload);
  }

  @MessagePattern(MonitorSubjects.rulesUpdate)
  update(@Payload() payload: unknown): Promise<AlarmRuleView> {
    return this.runtime.rules.update(payload);
  }

  @MessagePattern(MonitorSubjects.rulesDelete)
  remove(@Payload() payload: unknown): Promise<{ id: string; deleted: true }> {
    return this.runtime.rules.remove(payload);
  }

  @MessagePattern(MonitorSubjects.rulesList)
  list(@Payload() payload: unknown): Promise<AlarmRuleView[]> {
    return this.runtime.rules.list(payload);
  }

  @MessagePattern(MonitorSubjects.alarmsList)
  alarms(@Payload() payload: AlarmsListRequest | undefined): Promise<AlarmView[]> {
    return this.runtime.alarms.list(payload);
  }

  @MessagePattern(MonitorSubjects.alarmsEvaluate)
  async evaluate(
    @Payload() payload: { atMs?: number } | undefined,
  ): Promise<{ decisions: { ruleId: string; action: string; minute: number }[] }> {
    const decisions = await this.runtime.alarms.evaluate(this.runtime.evaluationTime(payload?.atMs));
    return { decisions: decisions.map((d) => ({ ruleId: d.rule.id, action: d.action, minute: d.minute })) };
  }

  @MessagePattern(MonitorSubjects.rebuild)
  rebuild(): Promise<MonitorRebuildResult> {
    return this.runtime.rebuild();
  }
}
