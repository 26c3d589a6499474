import { Schema, s } from '../http/schema.js';
import { serviceName } from '../services/services.schemas.js';

type Issues = Parameters<Schema<unknown>['run']>[2];

/** The ways a curve can be compared: the same minutes yesterday and seven days before. */
export const COMPARE = ['yesterday', 'weekAgo'] as const;
/** One comparison line. */
export type Compare = (typeof COMPARE)[number];

/** An attribute name as the SDK reports it (`login_fail`, `rpc|A.b|C.d|m|requests`). */
export const attrName = s.string({ min: 1, max: 200 }).describe('attribute name as reported, e.g. login_fail');

/** A host name or IP as reporters give it. */
export const hostName = s.string({ min: 1, max: 200 }).describe('one host (name or IP) instead of the service aggregate');

/** `YYYY-MM-DD` in UTC. */
export const dayParam = s
  .string({ pattern: /^\d{4}-\d{2}-\d{2}$/, hint: 'must be a date as YYYY-MM-DD (UTC), e.g. 2026-11-21' })
  .describe('day as YYYY-MM-DD (UTC); today when omitted');

/** A finite number (query strings of digits are accepted too). */
export const finiteNumber = new Schema<number>(
  (v, path, issues: Issues) => {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n)) return n;
    issues.push({ path, message: `must be a finite number; got ${JSON.stringify(v)}` });
    return undefined;
  },
  { type: 'number' },
);

/** A string or null (null and "" clear the field). */
function nullableString(max: number, description: string): Schema<string | null> {
  return new Schema<string | null>(
    (v, path, issues: Issues) => {
      if (v === null || v === '') return null;
      if (typeof v === 'string' && v.length <= max) return v;
      issues.push({ path, message: `must be a string of at most ${max} characters, or null` });
      return undefined;
    },
    { type: 'string', nullable: true, maxLength: max, description },
  );
}

/** `compare=yesterday,weekAgo` (comma-separated). */
export const compareParam = new Schema<Compare[]>(
  (v, path, issues: Issues) => {
    const parts = typeof v === 'string' ? v.split(',').filter((p) => p !== '') : undefined;
    if (parts && parts.every((p) => (COMPARE as readonly string[]).includes(p))) return parts as Compare[];
    issues.push({ path, message: `must be a comma-separated list of ${COMPARE.join(', ')}, e.g. yesterday,weekAgo` });
    return undefined;
  },
  { type: 'string', example: 'yesterday,weekAgo', description: 'comparison lines to add: yesterday and/or weekAgo' },
);

/** GET /monitoring/curve. */
export const curveQuery = s.object({
  service: serviceName,
  attr: attrName,
  host: hostName.optional(),
  day: dayParam.optional(),
  compare: compareParam.optional(),
});

/** GET /monitoring/totals. */
export const totalsQuery = s.object({ service: serviceName, host: hostName.optional(), day: dayParam.optional() });

/** GET /monitoring/top. */
export const topQuery = s.object({
  service: serviceName,
  day: dayParam.optional(),
  n: s.int({ min: 1, max: 100 }).optional().describe('how many attributes (default 10)'),
});

/** GET /monitoring/calls. */
export const callsQuery = s.object({
  day: dayParam.optional(),
  caller: serviceName.optional().describe('only calls made by this service'),
  callee: serviceName.optional().describe('only calls made to this service'),
});

/** GET /monitoring/hosts. */
export const hostsQuery = s.object({ service: serviceName, attr: attrName.optional() });

/** GET /monitoring/attrs. */
export const attrsQuery = s.object({ service: serviceName });

const ruleType = s.oneOf(['max', 'min', 'wave', 'nodata', 'diff', 'diff-up', 'diff-down'] as const);
const ruleFields = {
  service: serviceName,
  attr: attrName,
  type: ruleType.describe(
    'max: value > threshold; min: value < threshold; wave: ±threshold % against yesterday; nodata: threshold silent minutes',
  ),
  threshold: finiteNumber.describe('a number; wave: percent above 0; nodata: whole minutes 1..1440'),
  host: nullableString(200, 'judge this host instead of the service aggregate').optional(),
  webhookUrl: nullableString(500, 'http(s) URL the alarm and recovery events are POSTed to').optional(),
  enabled: s.boolean().optional(),
};

/** POST /alarm-rules. */
export const createRuleBody = s.object(ruleFields);

/** PATCH /alarm-rules/{id}: any of the fields. */
export const updateRuleBody = s.object({
  service: ruleFields.service.optional(),
  attr: ruleFields.attr.optional(),
  type: ruleFields.type.optional(),
  threshold: ruleFields.threshold.optional(),
  host: ruleFields.host,
  webhookUrl: ruleFields.webhookUrl,
  enabled: ruleFields.enabled,
});

/** A rule id. */
export const ruleId = s.string({
  min: 1,
  max: 64,
  pattern: /^[A-Za-z0-9-]+$/,
  hint: 'must be a rule id as listed by GET /api/v1/alarm-rules',
});

/** GET /alarm-rules. */
export const rulesQuery = s.object({ service: serviceName.optional().describe('only the rules of this service') });

/** GET /alarms. */
export const alarmsQuery = s.object({
  state: s
    .oneOf(['active', 'recovered', 'all'] as const)
    .optional()
    .describe('active (default), recovered or all'),
  service: serviceName.optional(),
  limit: s.int({ min: 1, max: 200 }).optional().describe('newest first, at most this many (default 200)'),
});
