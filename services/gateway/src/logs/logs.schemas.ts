import { LOG_LEVEL_NAMES, type FieldFilter, type LogLevelName } from '@msec/contracts';
import { pageQueryShape } from '../http/pagination.js';
import { Schema, s } from '../http/schema.js';

type Issues = Parameters<Schema<unknown>['run']>[2];

/** Longest range `GET /dependencies` accepts (the log service's own limit). */
export const MAX_DEPENDENCY_RANGE_MS = 31 * 86_400_000;
/** Range of `GET /dependencies` when `from` is omitted: the last hour. */
export const DEFAULT_DEPENDENCY_RANGE_MS = 3_600_000;
/** Most `field=` filters one search takes (the log service's limit). */
export const MAX_FIELD_FILTERS = 5;

/** An instant as ISO 8601 (`2026-11-21T12:00:00Z`) or epoch milliseconds; becomes epoch ms. */
export const instant = new Schema<number>(
  (v, path, issues: Issues) => {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
    if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
      const ms = Date.parse(v);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
    issues.push({ path, message: `must be an ISO 8601 time (e.g. 2026-11-21T12:00:00Z) or epoch milliseconds; got ${JSON.stringify(v)}` });
    return undefined;
  },
  { type: 'string', example: '2026-11-21T12:00:00Z', description: 'ISO 8601 time or epoch milliseconds' },
);

/** One level name. */
const levelName = s.oneOf(LOG_LEVEL_NAMES);

/** `level=ERROR,FATAL`: exactly these levels (comma-separated, or the parameter repeated). */
export const levelsParam = new Schema<LogLevelName[]>(
  (v, path, issues: Issues) => {
    const parts = (Array.isArray(v) ? v : [v]).flatMap((p) => (typeof p === 'string' ? p.split(',') : [p])).filter((p) => p !== '');
    if (parts.length > 0 && parts.every((p) => typeof p === 'string' && (LOG_LEVEL_NAMES as readonly string[]).includes(p.toUpperCase())))
      return [...new Set(parts.map((p) => (p as string).toUpperCase() as LogLevelName))];
    issues.push({ path, message: `must be a comma-separated list of ${LOG_LEVEL_NAMES.join(', ')}, e.g. ERROR,FATAL` });
    return undefined;
  },
  { type: 'string', example: 'ERROR,FATAL', description: `exactly these levels, comma-separated: ${LOG_LEVEL_NAMES.join(', ')}` },
);

/** `field=name=value`, repeatable up to 5 times: user field `name` equals `value`. */
export const fieldsParam = new Schema<FieldFilter[]>(
  (v, path, issues: Issues) => {
    const parts = Array.isArray(v) ? v : [v];
    const out: FieldFilter[] = [];
    if (parts.length > MAX_FIELD_FILTERS) {
      issues.push({ path, message: `at most ${MAX_FIELD_FILTERS} field filters` });
      return undefined;
    }
    for (const p of parts) {
      const eq = typeof p === 'string' ? p.indexOf('=') : -1;
      const name = typeof p === 'string' ? p.slice(0, eq) : '';
      const value = typeof p === 'string' ? p.slice(eq + 1) : '';
      if (eq < 1 || name.length > 64 || value.length > 255) {
        issues.push({
          path,
          message: `must be name=value (name 1–64 characters, value at most 255), e.g. field=name=bison; got ${JSON.stringify(p)}`,
        });
        return undefined;
      }
      out.push({ name, value });
    }
    return out;
  },
  { type: 'string', example: 'name=bison', description: `user field equals value, as name=value; repeat for up to ${MAX_FIELD_FILTERS}` },
);

/** Free text of at most `max` characters (service, host, instance names as loggers give them). */
const text = (max: number, description: string): Schema<string> => s.string({ min: 1, max }).describe(description);

/** A trace id as the SDK makes it. */
export const traceIdParam = s.string({
  min: 1,
  max: 128,
  pattern: /^[A-Za-z0-9_.:-]+$/,
  hint: 'must be a trace id (1–128 of A-Z a-z 0-9 _ . : -) as shown in a log line or a span',
});

/** Filters of a log search shared by `GET /logs` and the live tail. */
const filterShape = {
  service: text(200, 'exact service name, e.g. Flight.mod_flight').optional(),
  host: text(200, 'exact host').optional(),
  instance: text(200, 'exact instance').optional(),
  traceId: traceIdParam.optional().describe('exact trace id'),
  level: levelsParam.optional(),
  minLevel: levelName.optional().describe('this level and above'),
  field: fieldsParam.optional(),
  text: text(200, 'message contains this text (case-insensitive; % and _ are literal)').optional(),
};

/** GET /logs. */
export const logsQuery = s.object({
  ...filterShape,
  from: instant.optional().describe('from this time (inclusive): ISO 8601 or epoch ms'),
  to: instant.optional().describe('until this time (exclusive): ISO 8601 or epoch ms'),
  ...pageQueryShape,
});

/** GET /logs/tail: the same filters applied to each new line. */
export const tailQuery = s.object(filterShape);

/** GET /dependencies. */
export const dependenciesQuery = s.object({
  from: instant.optional().describe('start (inclusive), default one hour before `to`'),
  to: instant.optional().describe('end (exclusive), default now'),
  examples: s.int({ min: 0, max: 10 }).optional().describe('example trace ids per edge, 0..10 (default 3)'),
});

/** A colouring rule id. */
export const colourRuleId = s.string({
  min: 1,
  max: 64,
  pattern: /^[A-Za-z0-9_.-]+$/,
  hint: 'must be 1–64 of A-Z a-z 0-9 _ . -, e.g. user-bison',
});

/** POST /colour-rules: add or replace a rule. */
export const colourRuleBody = s.object({
  id: colourRuleId,
  field: s.string({ min: 1, max: 64 }).describe('request field to match, e.g. name or traceId'),
  value: s.string({ min: 0, max: 255 }).describe('value the field must equal (compared as text)'),
  expiresAt: instant.optional().describe('when the rule stops applying: ISO 8601 or epoch ms; none for no expiry'),
});

/** A service name in a trace-sampling path. */
export const samplingService = s.string({
  min: 3,
  max: 128,
  pattern: /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
  hint: 'must be a service name as First.Second, e.g. Flight.mod_flight',
});

/** PUT /trace-sampling/:service. */
export const samplingBody = s.object({
  rate: s.number({ min: 0, max: 1 }).describe('share of the requests entering at the service that are traced, 0 to 1'),
  maxPerSecond: s.int({ min: 0, max: 1_000_000 }).describe('most traces one process of the service starts per second'),
});
