import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { EventDecisions, createEvent, sharedProjectionRunner, type Decision, type ProjectionRunner } from '@msec/bus';
import { GatewayEventSubjects, GatewayEventType, type WebhookSettings } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { WebhookEntity } from './webhooks.entities.js';
import { WebhooksProjection, foldWebhooks, type WebhookEvent } from './webhooks.projection.js';

/** The host of a webhook URL (what its events name; the URL itself may hold a credential). */
export function urlHostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/**
 * Webhooks as events on `gateway.webhooks`: a change is decided on them and appended only if no other landed meanwhile,
 * so two gateways never delete one webhook twice; the webhooks table follows through the projection, which every change
 * waits for.
 */
@Injectable()
export class WebhookEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('webhook-events');
  private readonly decisions: EventDecisions<WebhookEvent>;
  private readonly projection: ProjectionRunner<WebhookEvent>;
  private rebuilding: Promise<{ webhooks: number }> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly dataSource: DataSource,
  ) {
    this.decisions = new EventDecisions(nc);
    this.projection = sharedProjectionRunner(nc, dataSource, new WebhooksProjection(), (message) => this.logger.error(message));
  }

  async onModuleInit(): Promise<void> {
    await this.decisions.init();
    await this.importLegacyRows((await this.projection.checkpoint()) === 0);
    await this.projection.start();
    await this.projection.waitUntilCaughtUp();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.projection.stop();
  }

  /** Decides a change on the webhooks' events, appends it, and waits until the table has it. */
  async decide<T>(decide: (events: WebhookEvent[]) => Promise<Decision<WebhookEvent, T>> | Decision<WebhookEvent, T>): Promise<T> {
    const result = await this.decisions.decide(GatewayEventSubjects.webhooks, decide);
    await this.projection.waitUntilCaughtUp();
    return result;
  }

  /** The webhooks that exist, as their events say (the table may be being rebuilt). */
  async current(): Promise<Map<string, WebhookSettings>> {
    return foldWebhooks((await this.decisions.events(GatewayEventSubjects.webhooks)).events);
  }

  /** Empties the webhooks table and replays its events; a rebuild asked for while one runs joins it. */
  rebuild(): Promise<{ webhooks: number }> {
    this.rebuilding ??= this.projection
      .rebuild()
      .then(async () => ({ webhooks: await this.dataSource.getRepository(WebhookEntity).count() }))
      .finally(() => {
        this.rebuilding = undefined;
      });
    return this.rebuilding;
  }

  /** On the first start of the projection, webhooks stored before their events existed become events, once. */
  private async importLegacyRows(firstStart: boolean): Promise<void> {
    if (!firstStart) return;
    const rows = await this.dataSource.getRepository(WebhookEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const events = rows.map((r) =>
      createEvent(GatewayEventType.webhookImported, r.id, {
        webhookId: r.id,
        urlHost: urlHostOf(r.url),
        eventTypes: JSON.parse(r.eventTypes) as string[],
        maxAttempts: r.maxAttempts,
        createdBy: r.createdBy,
        createdAt: r.createdAt,
      }),
    );
    if (await this.decisions.appendToEmpty(GatewayEventSubjects.webhooks, events))
      this.logger.log(`carried into the event stream: ${rows.length} webhook(s)`);
  }
}
