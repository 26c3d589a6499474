import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { DataSource, Repository } from 'typeorm';
import {
  AlarmType,
  MonitorEventSubjects,
  MonitorEventType,
  type AlarmRuleEventPayload,
  type AlarmRuleInput,
  type AlarmRuleView,
} from '@msec/contracts';
import { invalidField, ruleNotFound } from '../monitor.errors.js';
import { AlarmRuleEntity } from './alarm.entities.js';
import type { MonitorEventLog } from './monitor-event-log.js';
import { webhookTargetOf } from '@msec/platform';

const TYPES = new Set<string>(Object.values(AlarmType));

function name(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 200)
    throw invalidField(field, 'give a non-empty string of at most 200 characters');
  return value;
}

/** Checks a rule's fields; each error names the field and the fix. */
export function validateRuleInput(input: unknown): Required<AlarmRuleInput> {
  if (typeof input !== 'object' || input === null) throw invalidField('rule', 'send an object with service, attr, type and threshold');
  const raw = input as Record<string, unknown>;
  const service = name(raw.service, 'service');
  const attr = name(raw.attr, 'attr');
  if (typeof raw.type !== 'string' || !TYPES.has(raw.type)) throw invalidField('type', `use one of ${[...TYPES].join(', ')}`);
  const type = raw.type as AlarmType;
  const threshold = raw.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw invalidField('threshold', 'give a finite number');
  if (type === AlarmType.wave && threshold <= 0)
    throw invalidField('threshold', 'a wave rule needs a percentage above 0, e.g. 30 for ±30 %');
  if ((type === AlarmType.diff || type === AlarmType.diffUp || type === AlarmType.diffDown) && threshold < 0)
    throw invalidField('threshold', 'a diff rule needs an absolute change of 0 or more, e.g. 500 for 500 more or fewer than yesterday');
  if (type === AlarmType.nodata && (!Number.isInteger(threshold) || threshold < 1 || threshold > 1440)) {
    throw invalidField('threshold', 'a nodata rule needs a whole number of minutes from 1 to 1440');
  }
  const host = raw.host === undefined || raw.host === null || raw.host === '' ? null : name(raw.host, 'host');
  let webhookUrl: string | null = null;
  if (raw.webhookUrl !== undefined && raw.webhookUrl !== null && raw.webhookUrl !== '') {
    let url: URL;
    try {
      url = new URL(String(raw.webhookUrl));
    } catch {
      throw invalidField('webhookUrl', 'give an absolute http:// or https:// URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw invalidField('webhookUrl', 'only http:// and https:// URLs are accepted');
    if (String(raw.webhookUrl).length > 500) throw invalidField('webhookUrl', 'keep the URL under 500 characters');
    webhookUrl = url.toString();
  }
  if (raw.enabled !== undefined && typeof raw.enabled !== 'boolean') throw invalidField('enabled', 'use true or false');
  return { service, attr, type, threshold, host, webhookUrl, enabled: raw.enabled ?? true };
}

function view(e: AlarmRuleEntity): AlarmRuleView {
  return {
    id: e.id,
    service: e.service,
    attr: e.attr,
    type: e.type as AlarmType,
    threshold: e.threshold,
    host: e.host,
    webhookUrl: e.webhookUrl,
    enabled: Boolean(e.enabled),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

function eventPayload(rule: AlarmRuleView): AlarmRuleEventPayload {
  const { id, service, attr, type, threshold, host, enabled, webhookUrl } = rule;
  return { id, service, attr, type, threshold, host, enabled, hasWebhook: webhookUrl !== null };
}

/**
 * Alarm rules stored in the monitor's own database. A webhook that leads to loopback, link-local or the metadata
 * service is refused when the rule is saved (and again when it is sent) unless `allowInternalWebhooks` is set.
 */
export class AlarmRules {
  private readonly logger = new Logger('alarm-rules');
  private readonly repo: Repository<AlarmRuleEntity>;

  constructor(
    dataSource: DataSource,
    private readonly events: MonitorEventLog,
    private readonly allowInternalWebhooks = false,
  ) {
    this.repo = dataSource.getRepository(AlarmRuleEntity);
  }

  async create(input: unknown): Promise<AlarmRuleView> {
    const rule = validateRuleInput(input);
    await this.checkWebhook(rule.webhookUrl);
    const now = new Date().toISOString();
    const entity = this.repo.create({ id: randomUUID(), ...rule, createdAt: now, updatedAt: now });
    const created = view(entity);
    await this.events.append(
      MonitorEventSubjects.rule(created.service),
      MonitorEventType.alarmRuleCreated,
      created.id,
      eventPayload(created),
    );
    await this.repo.insert(entity);
    return created;
  }

  async update(input: unknown): Promise<AlarmRuleView> {
    const id = (input as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0) throw invalidField('id', 'give the id of the rule to change');
    const existing = await this.repo.findOneBy({ id });
    if (existing === null) throw ruleNotFound(id);
    const merged = validateRuleInput({ ...view(existing), ...(input as object) });
    if (merged.webhookUrl !== existing.webhookUrl) await this.checkWebhook(merged.webhookUrl);
    Object.assign(existing, merged, { updatedAt: new Date().toISOString() });
    const updated = view(existing);
    await this.events.append(
      MonitorEventSubjects.rule(updated.service),
      MonitorEventType.alarmRuleUpdated,
      updated.id,
      eventPayload(updated),
    );
    await this.repo.save(existing);
    return updated;
  }

  async remove(input: unknown): Promise<{ id: string; deleted: true }> {
    const id = (input as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0) throw invalidField('id', 'give the id of the rule to delete');
    const existing = await this.repo.findOneBy({ id });
    if (existing === null) throw ruleNotFound(id);
    await this.events.append(MonitorEventSubjects.rule(existing.service), MonitorEventType.alarmRuleDeleted, id, {
      id,
      service: existing.service,
    });
    await this.repo.delete({ id });
    return { id, deleted: true };
  }

  async list(input: unknown): Promise<AlarmRuleView[]> {
    const service = (input as { service?: unknown } | null)?.service;
    if (service !== undefined && service !== null) name(service, 'service');
    const rows = await this.repo.find({
      where: typeof service === 'string' ? { service } : {},
      order: { service: 'ASC', attr: 'ASC', createdAt: 'ASC' },
    });
    return rows.map(view);
  }

  private async checkWebhook(url: string | null): Promise<void> {
    if (url === null || this.allowInternalWebhooks) return;
    const target = await webhookTargetOf(url);
    if (target.kind === 'internal')
      throw invalidField(
        'webhookUrl',
        `${url} reaches ${target.address}, a loopback, link-local or metadata address; point it at a receiver outside this host, ` +
          'or let the monitor reach internal addresses with webhookAllowInternal (MSEC_MONITOR_WEBHOOK_ALLOW_INTERNAL=true)',
        { address: target.address },
      );
    if (target.kind === 'unresolved')
      this.logger.warn(`webhook ${url} does not resolve now (${target.reason}); saved, and checked again each time it is sent`);
  }

  /** Enabled rules, for the evaluator. */
  async enabled(): Promise<AlarmRuleView[]> {
    return (await this.repo.findBy({ enabled: true })).map(view);
  }
}
