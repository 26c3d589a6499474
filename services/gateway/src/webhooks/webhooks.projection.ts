import type { EntityManager } from 'typeorm';
import { deleteAllRows } from '@msec/persistence';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { GatewayEventSubjects, GatewayEventType, type GatewayEventPayloads, type WebhookSettings } from '@msec/contracts';
import { WebhookDeliveryEntity, WebhookEntity, WebhookTargetEntity } from './webhooks.entities.js';

/** An event of the webhooks aggregate with its typed payload. */
export type WebhookEvent =
  | DomainEvent<typeof GatewayEventType.webhookCreated, GatewayEventPayloads['gateway.WebhookCreated']>
  | DomainEvent<typeof GatewayEventType.webhookDeleted, GatewayEventPayloads['gateway.WebhookDeleted']>
  | DomainEvent<typeof GatewayEventType.webhookImported, GatewayEventPayloads['gateway.WebhookImported']>;

/** The webhooks that exist as their events leave them, by id. */
export function foldWebhooks(events: readonly DomainEvent[]): Map<string, WebhookSettings> {
  const hooks = new Map<string, WebhookSettings>();
  for (const e of events as readonly WebhookEvent[]) {
    if (e.type === GatewayEventType.webhookCreated || e.type === GatewayEventType.webhookImported)
      hooks.set(e.payload.webhookId, e.payload);
    else if (e.type === GatewayEventType.webhookDeleted) hooks.delete(e.payload.webhookId);
  }
  return hooks;
}

/**
 * The webhooks table (`gateway_webhooks`), with the URL and secret looked up in gateway_webhook_targets. A deleted
 * webhook takes its delivery log and its target with it.
 */
export class WebhooksProjection implements Projection<WebhookEvent> {
  readonly service = 'gateway';
  readonly name = 'webhooks';
  readonly subjects = GatewayEventSubjects.webhooks;

  async apply(em: EntityManager, event: WebhookEvent, _meta: EventMeta): Promise<void> {
    switch (event.type) {
      case GatewayEventType.webhookCreated:
      case GatewayEventType.webhookImported: {
        const p = event.payload;
        const target = await em.getRepository(WebhookTargetEntity).findOneBy({ webhookId: p.webhookId });
        await em.getRepository(WebhookEntity).save({
          id: p.webhookId,
          // A target lost with its table (not a crash: it is written before the event): nothing can be sent.
          url: target?.url ?? 'http://target-missing.invalid/',
          secret: target?.secret ?? '!missing',
          eventTypes: JSON.stringify(p.eventTypes),
          maxAttempts: p.maxAttempts,
          createdAt: event.type === GatewayEventType.webhookImported ? event.payload.createdAt : Date.parse(event.occurredAt),
          createdBy: p.createdBy,
        });
        return;
      }
      case GatewayEventType.webhookDeleted: {
        const webhookId = event.payload.webhookId;
        await em.getRepository(WebhookDeliveryEntity).delete({ webhookId });
        await em.getRepository(WebhookEntity).delete({ id: webhookId });
        await em.getRepository(WebhookTargetEntity).delete({ webhookId });
        return;
      }
      default:
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, WebhookEntity);
  }
}
