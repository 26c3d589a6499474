import { WebhookDeliveryStatus } from '@msec/contracts';
import { Schema, s } from '../http/schema.js';
import { MAX_WEBHOOK_ATTEMPTS } from './webhooks.domain.js';

type Issues = Parameters<Schema<unknown>['run']>[2];

/** A non-empty list of event types (checked against the catalogue by the domain). */
const eventTypes = new Schema<string[]>(
  (v, path, issues: Issues) => {
    if (Array.isArray(v) && v.length > 0 && v.length <= 50 && v.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 200)) {
      return v as string[];
    }
    issues.push({
      path,
      message: 'must be a list of 1 to 50 event types from GET /api/v1/webhooks/event-types, e.g. ["monitor.AlarmFired"]',
    });
    return undefined;
  },
  {
    type: 'array',
    items: { type: 'string' },
    example: ['monitor.AlarmFired', 'monitor.AlarmRecovered'],
    description: 'event types to send',
  },
);

/** POST /webhooks. */
export const createWebhookBody = s.object({
  url: s.string({ min: 1, max: 500 }).describe('http(s) URL the events are POSTed to'),
  eventTypes,
  maxAttempts: s
    .int({ min: 1, max: MAX_WEBHOOK_ATTEMPTS })
    .optional()
    .describe(`attempts before a delivery is a dead letter (1..${MAX_WEBHOOK_ATTEMPTS}, default 8)`),
});

/** GET /webhooks/:id/deliveries. */
export const deliveriesQuery = s.object({
  status: s.oneOf(Object.values(WebhookDeliveryStatus)).optional().describe('only deliveries in this state'),
  limit: s.int({ min: 1, max: 1000 }).optional().describe('how many, newest first (default 100)'),
});

/** A webhook id. */
export const webhookId = s.string({ pattern: /^[0-9a-f-]{36}$/, hint: 'must be a webhook id as listed by GET /api/v1/webhooks' });
