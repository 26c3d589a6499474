import type { RoutingRule } from './registry-events.js';

/** Ids and tags: letters, digits, `.`, `_`, `-`. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SERVICE = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Most values one rule lists; most rules and tags one service keeps. */
export const ROUTING_LIMITS = { values: 1000, rules: 100, tags: 16 } as const;
/** Order of a rule that does not say. */
export const DEFAULT_RULE_ORDER = 100;

/** What is wrong with a value, and how to fix it. */
export interface FieldProblem {
  field: string;
  hint: string;
}

/** A routing rule checked and normalised, or the first problem found (`field` is under `prefix`). */
export function checkRoutingRule(value: unknown, prefix = 'rule'): RoutingRule | FieldProblem {
  const problem = (field: string, hint: string): FieldProblem => ({ field: `${prefix}.${field}`, hint });
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { field: prefix, hint: 'must be an object {id, tag, order?, caller?, field?, values?, percent?}' };
  const r = value as Record<string, unknown>;
  for (const key of Object.keys(r))
    if (!['id', 'tag', 'order', 'caller', 'field', 'values', 'percent'].includes(key))
      return problem(key, 'is not a rule field; use id, tag, order, caller, field, values, percent');
  if (typeof r.id !== 'string' || !NAME.test(r.id)) return problem('id', 'must be 1-64 letters, digits, . _ - (e.g. beta-users)');
  if (typeof r.tag !== 'string' || !NAME.test(r.tag)) return problem('tag', 'must be 1-64 letters, digits, . _ - (e.g. v2)');
  const order = r.order ?? DEFAULT_RULE_ORDER;
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 0 || order > 1_000_000)
    return problem('order', 'must be a whole number from 0 to 1000000 (lower is tried first)');
  const rule: RoutingRule = { id: r.id, tag: r.tag, order };
  if (r.caller !== undefined) {
    if (typeof r.caller !== 'string' || !SERVICE.test(r.caller)) return problem('caller', 'must be a calling service name, First.Second');
    rule.caller = r.caller;
  }
  if (r.field !== undefined) {
    if (typeof r.field !== 'string' || !FIELD.test(r.field))
      return problem('field', 'must be a top-level request field name (letters, digits, _), e.g. name');
    if (r.values === undefined && r.percent === undefined)
      return problem('field', 'needs values (equal to one of them) or percent (hash share)');
    rule.field = r.field;
  }
  if (r.values !== undefined) {
    if (rule.field === undefined) return problem('values', 'needs field: the request field the values are compared with');
    if (!Array.isArray(r.values) || r.values.length === 0 || r.values.length > ROUTING_LIMITS.values)
      return problem('values', `must be a list of 1 to ${ROUTING_LIMITS.values} values`);
    for (const [i, v] of r.values.entries())
      if (typeof v !== 'string' || v.length === 0 || v.length > 256) return problem(`values.${i}`, 'must be text of 1-256 characters');
    if (r.percent !== undefined) return problem('percent', 'give either values or percent with a field, not both');
    rule.values = [...new Set(r.values as string[])];
  }
  if (r.percent !== undefined) {
    if (typeof r.percent !== 'number' || !Number.isFinite(r.percent) || r.percent <= 0 || r.percent > 100)
      return problem('percent', 'must be a share of requests above 0 and at most 100');
    rule.percent = r.percent;
  }
  if (rule.caller === undefined && rule.field === undefined && rule.percent === undefined)
    return problem('caller', 'a rule needs a condition: caller, field with values or percent, or percent');
  return rule;
}

/** True when checkRoutingRule found a problem. */
export function isFieldProblem(value: RoutingRule | FieldProblem): value is FieldProblem {
  return 'hint' in value;
}

/** Rules in the order callers try them: by order, then id. */
export function sortRoutingRules(rules: RoutingRule[]): RoutingRule[] {
  return rules.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
}

/**
 * The hash bucket (0-99) of a field value: FNV-1a over its UTF-8 bytes, so a user lands in the same bucket in every
 * caller, whatever its language. The bytes are produced on the fly (no buffer per call: this runs on the call path).
 */
export function routingBucket(text: string): number {
  let hash = 0x811c9dc5;
  const add = (byte: number): void => {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  };
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      add(code);
      continue;
    }
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    // A lone surrogate is encoded as U+FFFD, as Buffer.from(text, 'utf8') does.
    if (code >= 0xd800 && code < 0xe000) code = 0xfffd;
    if (code < 0x800) {
      add(0xc0 | (code >> 6));
    } else if (code < 0x10000) {
      add(0xe0 | (code >> 12));
      add(0x80 | ((code >> 6) & 0x3f));
    } else {
      add(0xf0 | (code >> 18));
      add(0x80 | ((code >> 12) & 0x3f));
      add(0x80 | ((code >> 6) & 0x3f));
    }
    add(0x80 | (code & 0x3f));
  }
  return hash % 100;
}
