import { createHash, randomUUID } from 'node:crypto';
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
import { createEvent, type ProjectionRunner } from '@msec/bus';
import { AlarmRuleEntity, WebhookUrlEntity } from './alarm.entities.js';
import { foldRules, ruleView } from './alarm-rules.projection.js';
import type { MonitorEvent, MonitorEventLog } from './monitor-event-log.js';
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

/** The sha256 (hex) of a webhook URL: what rule events carry instead of the URL. */
export function webhookDigestOf(url: string | null): string | null {
  return url === null ? null : createHash('sha256').update(url).digest('hex');
}

function eventPayload(id: string, rule: Required<AlarmRuleInput>): AlarmRuleEventPayload {
  const { service, attr, type, threshold, host, enabled, webhookUrl } = rule;
  return { id, service, attr, type, threshold, host, enabled, hasWebhook: webhookUrl !== null, webhookDigest: webhookDigestOf(webhookUrl) };
}

/**
 * Alarm rules. A change is decided from the service's rule events and appended expecting the last of them (two
 * monitor processes changing one service's rules decide one after the other); the table follows through the
 * rules projection, which this waits for so a change is listed as soon as it is answered. A webhook that leads to
 * loopback, link-local or the metadata service is refused when the rule is saved (and again when it is sent) unless
 * `allowInternalWebhooks` is set.
 */
export class AlarmRules {
  private readonly logger = new Logger('alarm-rules');
  private readonly repo: Repository<AlarmRuleEntity>;
  private readonly webhooks: Repository<WebhookUrlEntity>;

  constructor(
    dataSource: DataSource,
    private readonly events: MonitorEventLog,
    private readonly projection: ProjectionRunner<MonitorEvent>,
    private readonly allowInternalWebhooks = false,
  ) {
    this.repo = dataSource.getRepository(AlarmRuleEntity);
    this.webhooks = dataSource.getRepository(WebhookUrlEntity);
  }

  async create(input: unknown): Promise<AlarmRuleView> {
    const rule = validateRuleInput(input);
    await this.checkWebhook(rule.webhookUrl);
    await this.keepWebhook(rule.webhookUrl);
    const id = randomUUID();
    const event = createEvent(MonitorEventType.alarmRuleCreated, id, eventPayload(id, rule), { version: 2 });
    await this.events.decide(MonitorEventSubjects.rule(rule.service), async () => ({ append: [event], result: undefined }));
    await this.projection.waitUntilCaughtUp();
    return { id, ...rule, createdAt: event.occurredAt, updatedAt: event.occurredAt };
  }

  async update(input: unknown): Promise<AlarmRuleView> {
    const id = (input as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0) throw invalidField('id', 'give the id of the rule to change');
    const service = await this.serviceOf(id);
    const change = input as Record<string, unknown>;
    if (change.service !== undefined && change.service !== service)
      throw invalidField('service', `rule ${id} watches ${service} and keeps it; delete the rule and create one for the other service`);
    const updated = await this.events.decide(MonitorEventSubjects.rule(service), async (events) => {
      const current = foldRules(events).get(id);
      if (current === undefined) throw ruleNotFound(id);
      const currentUrl = await this.webhookUrlOf(current.webhookDigest);
      const merged = validateRuleInput({ ...ruleView(current, currentUrl), ...change });
      if (merged.webhookUrl !== currentUrl) {
        await this.checkWebhook(merged.webhookUrl);
        await this.keepWebhook(merged.webhookUrl);
      }
      const event = createEvent(MonitorEventType.alarmRuleUpdated, id, eventPayload(id, merged), { version: 2 });
      return { append: [event], result: { id, ...merged, createdAt: current.createdAt, updatedAt: event.occurredAt } };
    });
    await this.projection.waitUntilCaughtUp();
    return updated;
  }

  async remove(input: unknown): Promise<{ id: string; deleted: true }> {
    const id = (input as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || id.length === 0) throw invalidField('id', 'give the id of the rule to delete');
    const service = await this.serviceOf(id);
    await this.events.decide(MonitorEventSubjects.rule(service), async (events) => {
      if (!foldRules(events).has(id)) throw ruleNotFound(id);
      return { append: [createEvent(MonitorEventType.alarmRuleDeleted, id, { id, service })], result: undefined };
    });
    await this.projection.waitUntilCaughtUp();
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

  /** Enabled rules, for the evaluator. */
  async enabled(): Promise<AlarmRuleView[]> {
    return (await this.repo.findBy({ enabled: true })).map(view);
  }

  /**
   * Carries rules stored before rule events were complete into the stream as they stand (`monitor.AlarmRuleImported`),
   * once: on the first start of the rules projection. Their webhook URLs are kept under their digests.
   */
  async importLegacyRows(firstStart: boolean): Promise<number> {
    if (!firstStart) return 0;
    const rows = await this.repo.find();
    for (const row of rows) {
      await this.keepWebhook(row.webhookUrl);
      const payload = {
        ...eventPayload(row.id, { ...view(row) }),
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
      };
      // A stable id: two monitor processes upgrading at once import the rule once.
      await this.events.append(
        MonitorEventSubjects.rule(row.service),
        MonitorEventType.alarmRuleImported,
        row.id,
        payload,
        `import-rule-${row.id}`,
      );
    }
    if (rows.length > 0) this.logger.log(`${rows.length} alarm rule(s) carried over into the event stream`);
    return rows.length;
  }

  /** The service of rule `id`, from the read model once it has every event applied. */
  private async serviceOf(id: string): Promise<string> {
    await this.projection.waitUntilCaughtUp();
    const row = await this.repo.findOneBy({ id });
    if (row === null) throw ruleNotFound(id);
    return row.service;
  }

  private async keepWebhook(url: string | null): Promise<void> {
    const digest = webhookDigestOf(url);
    if (digest === null) return;
    await this.webhooks.createQueryBuilder().insert().values({ digest, url: url! }).orIgnore().execute();
  }

  private async webhookUrlOf(digest: string | null): Promise<string | null> {
    if (digest === null) return null;
    return (await this.webhooks.findOneBy({ digest }))?.url ?? null;
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
}
