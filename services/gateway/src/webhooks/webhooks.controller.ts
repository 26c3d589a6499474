import { Controller, Delete, Get, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CreatedWebhook, WebhookDeliveryView, WebhookEventTypeView, WebhookView } from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import type { GatewayRequest } from '../http/request-context.js';
import type { Infer } from '../http/schema.js';
import { WebhooksDomain } from './webhooks.domain.js';
import { createWebhookBody, deliveriesQuery, webhookId } from './webhooks.schemas.js';

/** A whole list in the usual page shape (webhooks are few). */
interface ItemList<T> {
  items: T[];
  nextCursor: null;
}

/** Event webhooks: admins choose event types to POST to a URL, signed; the delivery log shows each attempt's outcome. */
@ApiTags('webhooks')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksDomain) private readonly webhooks: WebhooksDomain) {}

  @Get('event-types')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Event types a webhook can send (the event catalogue, docs/events.md)' })
  eventTypes(): ItemList<WebhookEventTypeView> {
    return { items: this.webhooks.eventTypes(), nextCursor: null };
  }

  @Get()
  @Access(Role.admin)
  @ApiOperation({ summary: 'Event webhooks (never their secrets)' })
  async list(): Promise<ItemList<WebhookView>> {
    return { items: await this.webhooks.list(), nextCursor: null };
  }

  @Post()
  @Access(Role.admin)
  @ApiOperation({
    summary:
      'Create an event webhook: each event of the chosen types is POSTed with an HMAC-SHA256 signature; the secret is in the reply only this once',
  })
  create(@JsonBody(createWebhookBody) body: Infer<typeof createWebhookBody>, @Req() req: GatewayRequest): Promise<CreatedWebhook> {
    return this.webhooks.create(body, req.principal!.username);
  }

  @Delete(':id')
  @Access(Role.admin)
  @ApiOperation({ summary: 'Delete a webhook: nothing more is sent to it, and its delivery log goes' })
  remove(@PathParam('id', webhookId) id: string): Promise<WebhookView> {
    return this.webhooks.remove(id);
  }

  @Get(':id/deliveries')
  @Access(Role.admin)
  @ApiOperation({ summary: "A webhook's delivery log, newest first: status (pending, delivered, dead), attempts, last error" })
  async deliveries(
    @PathParam('id', webhookId) id: string,
    @QueryParams(deliveriesQuery) q: Infer<typeof deliveriesQuery>,
  ): Promise<ItemList<WebhookDeliveryView>> {
    return { items: await this.webhooks.deliveries(id, q.status, q.limit ?? 100), nextCursor: null };
  }
}
