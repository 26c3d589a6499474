import { Schema } from '../http/schema.js';
import { pageQueryShape } from '../http/pagination.js';
import { s } from '../http/schema.js';

/** Any JSON value (a message body). */
export const anyJson = new Schema<unknown>((v) => v, { description: 'any JSON value' });

/** A list of tags (the bus checks count and syntax). */
export const tagList = new Schema<string[]>(
  (v, path, issues) => {
    if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) {
      issues.push({ message: 'must be an array of strings', path });
      return undefined;
    }
    return v as string[];
  },
  { type: 'array', items: { type: 'string' }, maxItems: 10 },
);

/** ISO 8601 text or epoch milliseconds (the bus checks the range). */
export const timeValue = new Schema<string | number>(
  (v, path, issues) => {
    if (typeof v === 'number' || typeof v === 'string') return v;
    issues.push({ message: 'must be an ISO 8601 time or epoch milliseconds', path });
    return undefined;
  },
  { oneOf: [{ type: 'string', format: 'date-time' }, { type: 'integer' }] },
);

const name = s.string({ min: 1, max: 128, pattern: /^[A-Za-z0-9_.*>-]+$/, hint: 'letters, digits, _, -, . (and * or > in patterns)' });
/** A message id as the bus issues them. */
export const msgIdParam = s.string({ min: 1, max: 128, pattern: /^[A-Za-z0-9_.-]+$/, hint: 'a message id: letters, digits, _, - and .' });

export const publishBody = s.object({
  subject: s.string({ min: 1, max: 255 }).describe('e.g. order.created'),
  body: anyJson,
  tags: tagList.optional().describe('up to 10'),
  delayMs: s.int({ min: 0 }).optional().describe('deliver after this many ms (at most two years)'),
  deliverAt: timeValue.optional().describe('deliver at this time (ISO 8601 or epoch ms, at most two years ahead)'),
  msgId: s.string({ min: 1, max: 128 }).optional().describe('de-duplication id'),
});

export const consumersQuery = s.object({
  stream: s.string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, hint: 'a stream name' }).optional(),
});

export const deadLettersQuery = s.object({
  ...pageQueryShape,
  group: name.optional(),
  subject: name.optional(),
});

export const groupQuery = s.object({ group: name.optional() });
export const redriveBody = s.object({ group: name.optional().describe('only the dead letter of this group; default every group') });
export const discardQuery = s.object({ group: name.describe('the group whose dead letter to delete') });
