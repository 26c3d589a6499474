/** Headers of every event webhook POST, defined once (the gateway sends them; receivers check them). */
export const WebhookHeaders = {
  eventType: 'X-Msec-Event-Type',
  eventId: 'X-Msec-Event-Id',
  /** Unix seconds when this attempt was sent; part of the signed text. */
  timestamp: 'X-Msec-Timestamp',
  /** `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` with the webhook's secret. */
  signature: 'X-Msec-Signature',
} as const;

/** States of one delivery of an event to a webhook. */
export const WebhookDeliveryStatus = { pending: 'pending', delivered: 'delivered', dead: 'dead' } as const;
/** One of WebhookDeliveryStatus. */
export type WebhookDeliveryStatus = (typeof WebhookDeliveryStatus)[keyof typeof WebhookDeliveryStatus];

/** A webhook as the REST API shows it (never its secret). */
export interface WebhookView {
  id: string;
  url: string;
  eventTypes: string[];
  maxAttempts: number;
  createdAt: number;
  createdBy: string;
}

/** An event type a webhook can subscribe to, as `GET /api/v1/webhooks/event-types` lists the event catalogue. */
export interface WebhookEventTypeView {
  /** The envelope's `type`, e.g. `registry.ServiceCreated`. */
  type: string;
  /** The service that appends it. */
  owner: string;
  description: string;
}

/** The reply to creating a webhook: the only time its secret is shown. */
export interface CreatedWebhook extends WebhookView {
  secret: string;
}

/** One event's delivery to one webhook. */
export interface WebhookDeliveryView {
  webhookId: string;
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** HTTP status of the last answer, or null when none came. */
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}
