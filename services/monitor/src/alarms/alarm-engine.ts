import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { DataSource, Repository } from 'typeorm';
import {
  AlarmState,
  MonitorEventSubjects,
  MonitorEventType,
  MonitorSubjects,
  monitorShardOf,
  type AlarmEvent,
  type AlarmType,
  type AlarmView,
  type AlarmsListRequest,
} from '@msec/contracts';
import { invalidField } from '../monitor.errors.js';
import type { SeriesStore } from '../series/series-store.js';
import { AlarmEntity } from './alarm.entities.js';
import { evaluateAlarms, type AlarmDecision } from './alarm-evaluator.js';
import type { AlarmEventSink } from './alarm-event-sink.js';
import type { AlarmRules } from './alarm-rules.domain.js';
import type { MonitorEventLog } from './monitor-event-log.js';
import { internalAddressOf } from '@msec/platform';

/** Settings of the alarm engine. */
export interface AlarmEngineOptions {
  graceMs: number;
  webhookTimeoutMs: number;
  /** Let webhooks reach loopback and link-local addresses (tests, a receiver on the same host). */
  webhookAllowInternal: boolean;
  shardIndex: number;
  shards: number;
}

function view(e: AlarmEntity): AlarmView {
  return {
    id: e.id,
    ruleId: e.ruleId,
    service: e.service,
    attr: e.attr,
    host: e.host,
    type: e.type as AlarmType,
    threshold: e.threshold,
    state: e.state as AlarmState,
    value: e.value,
    message: e.message,
    firstAt: e.firstAt,
    lastAt: e.lastAt,
    count: e.count,
    recoveredAt: e.recoveredAt,
  };
}

/**
 * The id of the alarm a rule starts at a minute, in UUID form: derived, not random, so an evaluation retried after its
 * event was appended (and de-duplicated) stores the alarm under the id the event names.
 */
function alarmId(ruleId: string, minute: number): string {
  const h = createHash('sha256').update(`${ruleId}@${minute}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Judges the rules of the services this shard owns, keeps alarm episodes in the database, and sends events and webhooks. */
export class AlarmEngine {
  private readonly logger = new Logger('AlarmEngine');
  private readonly repo: Repository<AlarmEntity>;
  private running: Promise<AlarmDecision[]> | undefined;

  constructor(
    dataSource: DataSource,
    private readonly rules: AlarmRules,
    private readonly store: SeriesStore,
    private readonly sink: AlarmEventSink,
    private readonly events: MonitorEventLog,
    private readonly options: AlarmEngineOptions,
  ) {
    this.repo = dataSource.getRepository(AlarmEntity);
  }

  /** Judges the minute that ended `graceMs` before `nowMs`; runs are serialised. */
  async evaluate(nowMs: number): Promise<AlarmDecision[]> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.evaluateOnce(nowMs);
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  private async evaluateOnce(nowMs: number): Promise<AlarmDecision[]> {
    const rules = (await this.rules.enabled()).filter((r) => monitorShardOf(r.service, this.options.shards) === this.options.shardIndex);
    const active = new Map<string, AlarmEntity>();
    for (const a of await this.repo.findBy({ state: AlarmState.active })) active.set(a.ruleId, a);
    const read = (service: string, attr: string, host: string | null, minute: number): number | undefined =>
      this.store.find(service, attr, host)?.valueAt(minute);
    const decisions = evaluateAlarms(rules, new Set(active.keys()), read, nowMs, this.options.graceMs);
    const webhooks = new Map(rules.map((r) => [r.id, r.webhookUrl]));
    for (const d of decisions) {
      const at = new Date(d.minute * 60_000).toISOString();
      const existing = active.get(d.rule.id);
      if (d.action === 'fire') {
        const entity = this.repo.create({
          id: alarmId(d.rule.id, d.minute),
          ruleId: d.rule.id,
          service: d.rule.service,
          attr: d.rule.attr,
          host: d.rule.host,
          type: d.rule.type,
          threshold: d.rule.threshold,
          state: AlarmState.active,
          value: d.value,
          message: d.message,
          firstAt: at,
          lastAt: at,
          lastMinute: d.minute,
          count: 1,
          recoveredAt: null,
        });
        await this.events.append(
          MonitorEventSubjects.alarm(entity.service),
          MonitorEventType.alarmFired,
          entity.service,
          {
            alarmId: entity.id,
            ruleId: entity.ruleId,
            service: entity.service,
            attr: entity.attr,
            host: entity.host,
            type: d.rule.type,
            threshold: entity.threshold,
            value: entity.value,
            message: entity.message,
            at,
          },
          // A retried evaluation of the same minute decides the same alarm: one event.
          `alarm-fired-${d.rule.id}-${d.minute}`,
        );
        await this.repo.insert(entity);
        await this.announce({ kind: 'alarm', alarm: view(entity) }, webhooks.get(d.rule.id) ?? null);
      } else if (existing !== undefined && d.minute > existing.lastMinute) {
        existing.lastAt = at;
        existing.lastMinute = d.minute;
        existing.value = d.value;
        if (d.action === 'hold') {
          existing.count++;
          existing.message = d.message;
        } else {
          existing.state = AlarmState.recovered;
          existing.recoveredAt = at;
          await this.events.append(
            MonitorEventSubjects.alarm(existing.service),
            MonitorEventType.alarmRecovered,
            existing.service,
            {
              alarmId: existing.id,
              ruleId: existing.ruleId,
              service: existing.service,
              attr: existing.attr,
              host: existing.host,
              value: existing.value,
              firstAt: existing.firstAt,
              recoveredAt: at,
              minutes: existing.count,
            },
            `alarm-recovered-${existing.id}`,
          );
        }
        await this.repo.save(existing);
        if (d.action === 'recover') await this.announce({ kind: 'recovered', alarm: view(existing) }, webhooks.get(d.rule.id) ?? null);
      }
    }
    return decisions;
  }

  /** Active alarms, or the history (newest first). */
  async list(req: AlarmsListRequest | undefined): Promise<AlarmView[]> {
    const state = req?.state ?? AlarmState.active;
    if (state !== AlarmState.active && state !== AlarmState.recovered && state !== 'all')
      throw invalidField('state', 'use "active", "recovered" or "all"');
    const limit = req?.limit ?? 200;
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw invalidField('limit', 'use a whole number from 1 to 5000');
    const where: Record<string, string> = {};
    if (state !== 'all') where.state = state;
    if (req?.service !== undefined) {
      if (typeof req.service !== 'string' || req.service.length === 0) throw invalidField('service', 'give a non-empty service name');
      where.service = req.service;
    }
    return (await this.repo.find({ where, order: { lastAt: 'DESC' }, take: limit })).map(view);
  }

  private async announce(event: AlarmEvent, webhookUrl: string | null): Promise<void> {
    const subject = event.kind === 'alarm' ? MonitorSubjects.alarmEvent : MonitorSubjects.recoveredEvent;
    await this.sink.publish(subject, event).catch((error: unknown) => this.logger.error(`cannot publish ${subject}: ${String(error)}`));
    if (webhookUrl !== null) void this.postWebhook(webhookUrl, event);
  }

  private async postWebhook(url: string, event: AlarmEvent): Promise<void> {
    try {
      const internal = this.options.webhookAllowInternal ? undefined : await internalAddressOf(url);
      if (internal !== undefined) {
        this.logger.warn(`webhook ${url} refused: it reaches the internal address ${internal}; set webhookAllowInternal to allow it`);
        return;
      }
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(this.options.webhookTimeoutMs),
      });
      if (!response.ok) this.logger.warn(`webhook ${url} answered ${response.status}`);
    } catch (error) {
      this.logger.warn(`webhook ${url} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
