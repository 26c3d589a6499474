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
import { evaluateAlarms, type AlarmDecision, type JudgedRule } from './alarm-evaluator.js';
import type { AlarmEventSink } from './alarm-event-sink.js';
import type { AlarmRules } from './alarm-rules.domain.js';
import type { MonitorEvent, MonitorEventLog } from './monitor-event-log.js';
import type { ProjectionRunner } from '@msec/bus';
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

/** The view of an alarm that has just fired. */
function firedView(rule: JudgedRule, id: string, value: number | null, message: string, at: string): AlarmView {
  return {
    id,
    ruleId: rule.id,
    service: rule.service,
    attr: rule.attr,
    host: rule.host,
    type: rule.type,
    threshold: rule.threshold,
    state: AlarmState.active,
    value,
    message,
    firstAt: at,
    lastAt: at,
    count: 1,
    recoveredAt: null,
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

/**
 * Judges the rules of the services this shard owns and records each alarm step as an event (the alarms table follows
 * through its projection), then sends the console event and the webhook.
 */
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
    private readonly projection: ProjectionRunner<MonitorEvent>,
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
    // Judge from every alarm event applied, whichever monitor process appended it.
    await this.projection.waitUntilCaughtUp();
    const rules = (await this.rules.enabled()).filter((r) => monitorShardOf(r.service, this.options.shards) === this.options.shardIndex);
    const active = new Map<string, AlarmEntity>();
    for (const a of await this.repo.findBy({ state: AlarmState.active })) active.set(a.ruleId, a);
    const read = (service: string, attr: string, host: string | null, minute: number): number | undefined =>
      this.store.find(service, attr, host)?.valueAt(minute);
    const decisions = evaluateAlarms(rules, new Set(active.keys()), read, nowMs, this.options.graceMs);
    const webhooks = new Map(rules.map((r) => [r.id, r.webhookUrl]));
    const announcements: { event: AlarmEvent; webhookUrl: string | null }[] = [];
    for (const d of decisions) {
      const at = new Date(d.minute * 60_000).toISOString();
      const existing = active.get(d.rule.id);
      const webhookUrl = webhooks.get(d.rule.id) ?? null;
      if (d.action === 'fire') {
        const id = alarmId(d.rule.id, d.minute);
        await this.events.append(
          MonitorEventSubjects.alarm(d.rule.service),
          MonitorEventType.alarmFired,
          d.rule.service,
          {
            alarmId: id,
            ruleId: d.rule.id,
            service: d.rule.service,
            attr: d.rule.attr,
            host: d.rule.host,
            type: d.rule.type,
            threshold: d.rule.threshold,
            value: d.value,
            message: d.message,
            at,
          },
          // A retried evaluation of the same minute (or another monitor process judging it) decides the same alarm: one event.
          `alarm-fired-${d.rule.id}-${d.minute}`,
        );
        announcements.push({ event: { kind: 'alarm', alarm: { ...firedView(d.rule, id, d.value, d.message, at) } }, webhookUrl });
      } else if (existing !== undefined && d.minute > existing.lastMinute) {
        if (d.action === 'hold') {
          await this.events.append(
            MonitorEventSubjects.alarm(existing.service),
            MonitorEventType.alarmHeld,
            existing.service,
            {
              alarmId: existing.id,
              ruleId: existing.ruleId,
              service: existing.service,
              value: d.value,
              message: d.message,
              at,
              count: existing.count + 1,
            },
            `alarm-held-${existing.id}-${d.minute}`,
          );
        } else {
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
              value: d.value,
              firstAt: existing.firstAt,
              recoveredAt: at,
              minutes: existing.count,
            },
            `alarm-recovered-${existing.id}`,
          );
          const recovered = { ...view(existing), state: AlarmState.recovered, value: d.value, lastAt: at, recoveredAt: at };
          announcements.push({ event: { kind: 'recovered', alarm: recovered }, webhookUrl });
        }
      }
    }
    await this.projection.waitUntilCaughtUp();
    for (const a of announcements) await this.announce(a.event, a.webhookUrl);
    return decisions;
  }

  /** Carries alarms stored before alarm events were complete into the stream as they stand, once, on the first start. */
  async importLegacyRows(firstStart: boolean): Promise<number> {
    if (!firstStart) return 0;
    const rows = await this.repo.find();
    for (const row of rows) {
      const { id, ...rest } = row;
      await this.events.append(
        MonitorEventSubjects.alarm(row.service),
        MonitorEventType.alarmImported,
        row.service,
        { alarmId: id, ...rest, type: row.type as AlarmType, state: row.state === AlarmState.active ? 'active' : 'recovered' },
        `import-alarm-${id}`,
      );
    }
    if (rows.length > 0) this.logger.log(`${rows.length} alarm(s) carried over into the event stream`);
    return rows.length;
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
