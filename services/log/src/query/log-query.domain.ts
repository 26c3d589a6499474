import { LOG_LEVEL_NAMES, type FieldFilter, type LogLevelName, type LogQuery } from '@msec/contracts';
import { invalidField } from '../log.errors.js';

/** A validated search: every filter typed and bounded, the cursor decoded. */
export interface ValidLogQuery {
  from?: number;
  to?: number;
  service?: string;
  host?: string;
  instance?: string;
  levels?: LogLevelName[];
  minLevel?: LogLevelName;
  traceId?: string;
  fields: FieldFilter[];
  text?: string;
  limit: number;
  after?: { ts: number; id: string };
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const MAX_FIELD_FILTERS = 5;
const KNOWN_KEYS = new Set([
  'from',
  'to',
  'service',
  'host',
  'instance',
  'levels',
  'minLevel',
  'traceId',
  'fields',
  'text',
  'limit',
  'cursor',
]);

/** Cursor of the next page: the (ts, id) of the last line returned, base64url JSON. */
export function encodeCursor(ts: number, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

/** Decodes a cursor; undefined when it is not one of ours. */
export function decodeCursor(cursor: string): { ts: number; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 32
    ) {
      return { ts: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through
  }
  return undefined;
}

function optionalString(input: Record<string, unknown>, key: string, max: number): string | undefined {
  const value = input[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidField(key, `expected a string, got ${typeof value}`);
  if (value.length > max) throw invalidField(key, `at most ${max} characters`);
  return value;
}

function optionalTime(input: Record<string, unknown>, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalidField(key, 'expected epoch milliseconds (a non-negative whole number)');
  return value;
}

function level(value: unknown, key: string): LogLevelName {
  if (typeof value !== 'string' || !LOG_LEVEL_NAMES.includes(value as LogLevelName))
    throw invalidField(key, `use one of ${LOG_LEVEL_NAMES.join(', ')}`);
  return value as LogLevelName;
}

/** Validates a search request; every error names the field and the fix. */
export function validateLogQuery(raw: unknown): ValidLogQuery {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidField('query', 'send an object of filters (see docs/logs.md)');
  const input = raw as Record<string, unknown> & LogQuery;
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw invalidField(key, `unknown filter; use ${[...KNOWN_KEYS].join(', ')}`);
  }
  const query: ValidLogQuery = { fields: [], limit: DEFAULT_LIMIT };
  const from = optionalTime(input, 'from');
  const to = optionalTime(input, 'to');
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  if (from !== undefined && to !== undefined && to <= from) throw invalidField('to', 'must be after from');
  for (const [key, max] of [
    ['service', 128],
    ['host', 128],
    ['instance', 160],
    ['traceId', 64],
    ['text', 200],
  ] as const) {
    const value = optionalString(input, key, max);
    if (value !== undefined) query[key] = value;
  }
  if (input.levels !== undefined) {
    if (!Array.isArray(input.levels) || input.levels.length === 0)
      throw invalidField('levels', `a non-empty array of ${LOG_LEVEL_NAMES.join(', ')}`);
    query.levels = input.levels.map((l, i) => level(l, `levels[${i}]`));
  }
  if (input.minLevel !== undefined) query.minLevel = level(input.minLevel, 'minLevel');
  if (input.fields !== undefined) {
    if (!Array.isArray(input.fields)) throw invalidField('fields', 'an array of {name, value}');
    if (input.fields.length > MAX_FIELD_FILTERS) throw invalidField('fields', `at most ${MAX_FIELD_FILTERS} field filters`);
    query.fields = input.fields.map((f: unknown, i) => {
      const item = f as Record<string, unknown> | null;
      if (typeof item !== 'object' || item === null) throw invalidField(`fields[${i}]`, 'expected {name, value}');
      if (typeof item.name !== 'string' || item.name.length === 0 || item.name.length > 64)
        throw invalidField(`fields[${i}].name`, 'a field name of 1 to 64 characters');
      const value = typeof item.value === 'number' || typeof item.value === 'boolean' ? String(item.value) : item.value;
      if (typeof value !== 'string' || value.length > 255)
        throw invalidField(`fields[${i}].value`, 'a string (or number/boolean) of at most 255 characters');
      return { name: item.name, value };
    });
  }
  if (input.limit !== undefined) {
    if (typeof input.limit !== 'number' || !Number.isInteger(input.limit) || input.limit < 1 || input.limit > MAX_LIMIT) {
      throw invalidField('limit', `a whole number from 1 to ${MAX_LIMIT}`);
    }
    query.limit = input.limit;
  }
  if (input.cursor !== undefined && input.cursor !== null && input.cursor !== '') {
    if (typeof input.cursor !== 'string') throw invalidField('cursor', 'pass the nextCursor string of the previous page');
    const after = decodeCursor(input.cursor);
    if (!after) throw invalidField('cursor', 'not a cursor from msec.log.query; pass nextCursor unchanged');
    query.after = after;
  }
  return query;
}

/** Escapes LIKE wildcards with `!` (an escape character both SQLite and MySQL accept without backslash rules). */
export function likeContains(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}
