import { createEvent, type DomainEvent, type EventDecisions, type ProjectionRunner } from '@msec/bus';
import { LogEventSubjects, LogEventType, type ColourRule, type LogEventPayloads } from '@msec/contracts';
import type { DataSource } from 'typeorm';
import { colourRuleNotFound, invalidField } from '../log.errors.js';
import { ColourRuleEntity } from '../storage/log.entities.js';
import type { ColourRulePublisher } from './colour-publisher.js';

/** An event of the log service with its typed payload. */
export type LogEvent = { [K in keyof LogEventPayloads]: DomainEvent<K, LogEventPayloads[K]> }[keyof LogEventPayloads];

const ID = /^[A-Za-z0-9_.-]{1,64}$/;

function toRule(row: ColourRuleEntity): ColourRule {
  const rule: ColourRule = { id: row.id, field: row.field, value: row.value };
  if (row.expiresAt !== null) rule.expiresAt = row.expiresAt;
  return rule;
}

/** Validates a rule; errors name the field and the fix. */
export function validateColourRule(raw: unknown): ColourRule {
  const input = (raw ?? {}) as Record<string, unknown>;
  if (typeof input.id !== 'string' || !ID.test(input.id)) throw invalidField('id', '1 to 64 letters, digits, "_", "-" or "."');
  if (typeof input.field !== 'string' || input.field.length === 0 || input.field.length > 64) {
    throw invalidField('field', 'the field to match, 1 to 64 characters (e.g. "name", or "traceId" for one request)');
  }
  const value = typeof input.value === 'number' || typeof input.value === 'boolean' ? String(input.value) : input.value;
  if (typeof value !== 'string' || value.length > 255) throw invalidField('value', 'the value to match, at most 255 characters');
  const rule: ColourRule = { id: input.id, field: input.field, value };
  if (input.expiresAt !== undefined && input.expiresAt !== null) {
    if (typeof input.expiresAt !== 'number' || !Number.isSafeInteger(input.expiresAt) || input.expiresAt <= 0) {
      throw invalidField('expiresAt', 'epoch milliseconds after which the rule stops, or leave it out');
    }
    rule.expiresAt = input.expiresAt;
  }
  return rule;
}

/** The ids of the rules the colouring events leave standing. */
function standingIds(events: LogEvent[]): Set<string> {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.type === LogEventType.colourRuleSet) ids.add(e.payload.id);
    else if (e.type === LogEventType.colourRuleDeleted) ids.delete(e.payload.id);
  }
  return ids;
}

/**
 * Colouring rules: each change is a `log.ColourRule*` event first; the table is their projection, and the whole set
 * is put in the KV bucket every SDK watches once the projection has the change.
 */
export class ColourDomain {
  constructor(
    private readonly dataSource: DataSource,
    private readonly decisions: EventDecisions<LogEvent>,
    private readonly projection: ProjectionRunner<LogEvent>,
    private readonly publisher: ColourRulePublisher,
  ) {}

  async list(): Promise<ColourRule[]> {
    const rows = await this.dataSource.getRepository(ColourRuleEntity).find({ order: { id: 'ASC' } });
    return rows.map(toRule);
  }

  /** Adds or replaces a rule and pushes the new set. */
  async set(raw: unknown): Promise<ColourRule[]> {
    const rule = validateColourRule(raw);
    const payload = { id: rule.id, field: rule.field, value: rule.value, expiresAt: rule.expiresAt ?? null };
    await this.decisions.decide(LogEventSubjects.colour, () => ({
      append: [createEvent(LogEventType.colourRuleSet, rule.id, payload)],
      result: undefined,
    }));
    return this.publishAll();
  }

  async delete(raw: unknown): Promise<ColourRule[]> {
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !ID.test(id)) throw invalidField('id', 'the id of an existing rule');
    await this.decisions.decide(LogEventSubjects.colour, (events) => {
      if (!standingIds(events).has(id)) throw colourRuleNotFound(id);
      return { append: [createEvent(LogEventType.colourRuleDeleted, id, { id })], result: undefined };
    });
    return this.publishAll();
  }

  /** Pushes the rules as the projection has them (after each change, at start and now and then, so the bucket mirrors the table). */
  async publishAll(): Promise<ColourRule[]> {
    await this.projection.waitUntilCaughtUp();
    const rules = await this.list();
    await this.publisher.publish(rules);
    return rules;
  }

  /** On the first start of the colouring projection, rules stored before colouring events existed become events, once. */
  async importLegacyRows(firstStart: boolean): Promise<number> {
    if (!firstStart) return 0;
    const rows = await this.dataSource.getRepository(ColourRuleEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const events = rows.map((r) =>
      createEvent(
        LogEventType.colourRuleSet,
        r.id,
        { id: r.id, field: r.field, value: r.value, expiresAt: r.expiresAt },
        { occurredAt: new Date(r.createdAt) },
      ),
    );
    return (await this.decisions.appendToEmpty(LogEventSubjects.colour, events)) ? events.length : 0;
  }
}
