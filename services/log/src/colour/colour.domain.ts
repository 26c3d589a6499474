import type { ColourRule } from '@msec/contracts';
import type { DataSource } from 'typeorm';
import { colourRuleNotFound, invalidField } from '../log.errors.js';
import { ColourRuleEntity } from '../storage/log.entities.js';
import type { ColourRulePublisher } from './colour-publisher.js';

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

/** Colouring rules: stored in the service's table (the source of truth) and published to every SDK on each change. */
export class ColourDomain {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: ColourRulePublisher,
  ) {}

  async list(): Promise<ColourRule[]> {
    const rows = await this.dataSource.getRepository(ColourRuleEntity).find({ order: { id: 'ASC' } });
    return rows.map(toRule);
  }

  /** Adds or replaces a rule and pushes the new set. */
  async set(raw: unknown): Promise<ColourRule[]> {
    const rule = validateColourRule(raw);
    await this.dataSource
      .getRepository(ColourRuleEntity)
      .save({ id: rule.id, field: rule.field, value: rule.value, expiresAt: rule.expiresAt ?? null, createdAt: Date.now() });
    return this.publishAll();
  }

  async delete(raw: unknown): Promise<ColourRule[]> {
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !ID.test(id)) throw invalidField('id', 'the id of an existing rule');
    const result = await this.dataSource.getRepository(ColourRuleEntity).delete({ id });
    if (!result.affected) throw colourRuleNotFound(id);
    return this.publishAll();
  }

  /** Pushes the current rules (at start, so the bucket always mirrors the table). */
  async publishAll(): Promise<ColourRule[]> {
    const rules = await this.list();
    await this.publisher.publish(rules);
    return rules;
  }
}
