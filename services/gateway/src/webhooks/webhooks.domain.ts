import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createEvent } from '@msec/bus';
import {
  EVENT_CATALOGUE,
  GatewayEventType,
  ValidationError,
  WebhookDeliveryStatus,
  type CreatedWebhook,
  type WebhookDeliveryView,
  type WebhookEventTypeView,
  type WebhookView,
} from '@msec/contracts';
import { webhookTargetOf } from '@msec/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { notFound } from '../gateway.errors.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookDeliveryEntity, WebhookEntity, WebhookTargetEntity } from './webhooks.entities.js';
import { WebhookEvents, urlHostOf } from './webhook-events.js';
import { foldWebhooks } from './webhooks.projection.js';

/** Attempts of a delivery before it is a dead letter, unless the webhook says otherwise. */
export const DEFAULT_WEBHOOK_ATTEMPTS = 8;
/** Most attempts a webhook may ask for. */
export const MAX_WEBHOOK_ATTEMPTS = 50;

/** What creating a webhook takes (validated by the controller's schema). */
export interface WebhookInput {
  url: string;
  eventTypes: string[];
  maxAttempts?: number;
}

function view(e: WebhookEntity): WebhookView {
  return {
    id: e.id,
    url: e.url,
    eventTypes: JSON.parse(e.eventTypes) as string[],
    maxAttempts: e.maxAttempts,
    createdAt: e.createdAt,
    createdBy: e.createdBy,
  };
}

function deliveryView(e: WebhookDeliveryEntity): WebhookDeliveryView {
  return {
    webhookId: e.webhookId,
    eventId: e.eventId,
    eventType: e.eventType,
    status: e.status as WebhookDeliveryView['status'],
    attempts: e.attempts,
    lastStatus: e.lastStatus,
    lastError: e.lastError,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

/** Event webhooks: create (the secret shown once), list, delete, and the delivery log. */
@Injectable()
export class WebhooksDomain {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(WebhookEvents) private readonly events: WebhookEvents,
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Every event type a webhook can choose, with its description. */
  eventTypes(): WebhookEventTypeView[] {
    return EVENT_CATALOGUE.map((d) => ({ type: d.type, owner: d.owner, description: d.description }));
  }

  async list(): Promise<WebhookView[]> {
    return (await this.dataSource.getRepository(WebhookEntity).find({ order: { createdAt: 'ASC' } })).map(view);
  }

  async create(input: WebhookInput, actor: string): Promise<CreatedWebhook> {
    await this.checkUrl(input.url);
    const known = new Set(EVENT_CATALOGUE.map((d) => d.type));
    const unknown = input.eventTypes.filter((t) => !known.has(t));
    if (unknown.length > 0) {
      throw new ValidationError(
        'body.eventTypes',
        `${unknown.join(', ')} is not in the event catalogue; choose from ${[...known].join(', ')}`,
      );
    }
    const id = randomUUID();
    const secret = `whsec_${randomBytes(24).toString('hex')}`;
    // The URL and secret are kept first, under the id the event names: the projection reads them from there.
    await this.dataSource.getRepository(WebhookTargetEntity).insert({ webhookId: id, url: input.url, secret });
    await this.events.decide(() => ({
      append: [
        createEvent(GatewayEventType.webhookCreated, id, {
          webhookId: id,
          urlHost: urlHostOf(input.url),
          eventTypes: [...new Set(input.eventTypes)],
          maxAttempts: input.maxAttempts ?? DEFAULT_WEBHOOK_ATTEMPTS,
          createdBy: actor.slice(0, 64),
        }),
      ],
      result: undefined,
    }));
    const entity = await this.dataSource.getRepository(WebhookEntity).findOneByOrFail({ id });
    await this.dispatcher.watch(entity);
    return { ...view(entity), secret };
  }

  async remove(id: string): Promise<WebhookView> {
    const entity = await this.dataSource.getRepository(WebhookEntity).findOneBy({ id });
    if (entity === null) throw notFound(`webhook ${id}`);
    // Decided on the events: of two deletes at once (on two gateways, say), one deletes and the other is told 404.
    await this.events.decide((events) => {
      if (!foldWebhooks(events).has(id)) throw notFound(`webhook ${id}`);
      return { append: [createEvent(GatewayEventType.webhookDeleted, id, { webhookId: id })], result: undefined };
    });
    await this.dispatcher.forget(id);
    return view(entity);
  }

  /** The newest deliveries of a webhook, optionally of one status. */
  async deliveries(id: string, status: WebhookDeliveryStatus | undefined, limit: number): Promise<WebhookDeliveryView[]> {
    if ((await this.dataSource.getRepository(WebhookEntity).findOneBy({ id })) === null) throw notFound(`webhook ${id}`);
    const rows = await this.dataSource.getRepository(WebhookDeliveryEntity).find({
      where: { webhookId: id, ...(status === undefined ? {} : { status }) },
      order: { updatedAt: 'DESC' },
      take: limit,
    });
    return rows.map(deliveryView);
  }

  private async checkUrl(raw: string): Promise<void> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ValidationError('body.url', 'give an absolute http:// or https:// URL, e.g. https://hooks.example.com/msec');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ValidationError('body.url', 'only http:// and https:// URLs are accepted');
    if (this.config.webhookAllowInternal) return;
    const target = await webhookTargetOf(raw);
    if (target.kind === 'internal') {
      throw new ValidationError(
        'body.url',
        `${raw} reaches ${target.address}, a loopback, link-local or metadata address; point it at a receiver outside this host, ` +
          'or let the gateway reach internal addresses with webhookAllowInternal (MSEC_GATEWAY_WEBHOOK_ALLOW_INTERNAL=true)',
      );
    }
  }
}
