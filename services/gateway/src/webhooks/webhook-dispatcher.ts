import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { AUDIT_TRAIL, BusConsumers, EventFeedRelay, EventSubscriber, type DomainEvent } from '@msec/bus';
import { EventStreams, WebhookDeliveryStatus, WebhookHeaders, eventTypesFilter } from '@msec/contracts';
import { NATS_CONNECTION, internalAddressOf } from '@msec/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';
import { signWebhookBody, webhookBackoffMs } from './webhook-signature.js';
import { WebhookDeliveryEntity, WebhookEntity } from './webhooks.entities.js';
import { WebhookEvents } from './webhook-events.js';

/** The durable consumer of the event feed that feeds one webhook. */
export function webhookDurable(id: string): string {
  return `webhook_${id.replace(/-/g, '')}`;
}

/** How often the webhooks sent to are brought in line with the table. */
const RECONCILE_MS = 5_000;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Relays the event stream to the automation feed, and sends each webhook its events: one durable consumer of the feed
 * per webhook, so deliveries resume after a restart. Each attempt is signed and logged; a failure comes back with
 * back-off until the webhook's last attempt, after which the delivery is a dead letter. A delivered or dead event that
 * comes again is left alone.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly relay: EventFeedRelay;
  private readonly auditRelay: EventFeedRelay;
  private readonly running = new Map<string, EventSubscriber>();
  private retryTimer: NodeJS.Timeout | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
    @Inject(WebhookEvents) private readonly events: WebhookEvents,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.relay = new EventFeedRelay(nc, { onError: (error) => this.logger.warn(`feed relay: ${message(error)}`) });
    this.auditRelay = new EventFeedRelay(nc, {
      source: AUDIT_TRAIL,
      durable: BusConsumers.auditFeedRelay,
      onError: (error) => this.logger.warn(`audit feed relay: ${message(error)}`),
    });
  }

  /** Starts in the background: the console and API serve even while JetStream is not there yet. */
  onApplicationBootstrap(): void {
    void this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.reconcileTimer);
    await Promise.all([...this.running.values()].map((s) => s.stop()));
    this.running.clear();
    await this.relay.stop();
    await this.auditRelay.stop();
  }

  private async start(): Promise<void> {
    try {
      await this.relay.start();
      await this.auditRelay.start();
      await this.reconcile();
      // Webhooks created or deleted through another gateway reach this one's table through the projection.
      this.reconcileTimer = setInterval(() => void this.reconcile().catch((error) => this.logger.warn(message(error))), RECONCILE_MS);
      this.reconcileTimer.unref();
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(`event feed and webhooks not started yet (${message(error)}); trying again in 5 s`);
      this.retryTimer = setTimeout(() => void this.start(), 5_000);
      this.retryTimer.unref();
    }
  }

  /**
   * Sends to every webhook that exists and to no other. Which exist is read from their events, not the table: a rebuild
   * empties the table for a moment, and forgetting a webhook removes its place in the feed.
   */
  private async reconcile(): Promise<void> {
    const existing = await this.events.current();
    for (const hook of await this.dataSource.getRepository(WebhookEntity).find()) if (existing.has(hook.id)) await this.watch(hook);
    for (const id of [...this.running.keys()]) if (!existing.has(id)) await this.forget(id);
  }

  /** Starts sending `hook` its events (those appended from its creation on). */
  async watch(hook: WebhookEntity): Promise<void> {
    if (this.running.has(hook.id)) return;
    const types = new Set(JSON.parse(hook.eventTypes) as string[]);
    const subscriber = new EventSubscriber(this.nc, (event) => this.deliver(hook, types, event), {
      durable: webhookDurable(hook.id),
      filter: eventTypesFilter([...types]),
      startAt: 'new',
      retryDelayMs: webhookBackoffMs,
      ackWaitMs: this.config.webhookTimeoutMs + 30_000,
      onError: (error) => this.logger.warn(message(error)),
    });
    // Claimed before the await, so a webhook created while the start-up pass runs is watched once.
    this.running.set(hook.id, subscriber);
    try {
      await subscriber.start();
    } catch (error) {
      this.running.delete(hook.id);
      throw error;
    }
  }

  /** Stops sending `id` anything and removes its consumer. */
  async forget(id: string): Promise<void> {
    await this.running.get(id)?.stop();
    this.running.delete(id);
    await (await jetstreamManager(this.nc)).consumers.delete(EventStreams.feed, webhookDurable(id)).catch(() => false);
  }

  private async deliver(hook: WebhookEntity, types: ReadonlySet<string>, event: DomainEvent): Promise<void> {
    if (!types.has(event.type)) return;
    const repo = this.dataSource.getRepository(WebhookDeliveryEntity);
    const now = Date.now();
    const row =
      (await repo.findOneBy({ webhookId: hook.id, eventId: event.id })) ??
      repo.create({
        webhookId: hook.id,
        eventId: event.id,
        eventType: event.type,
        status: WebhookDeliveryStatus.pending,
        attempts: 0,
        lastStatus: null,
        lastError: null,
        createdAt: now,
      });
    if (row.status !== WebhookDeliveryStatus.pending) return;
    const outcome = await this.post(hook, event);
    row.attempts++;
    row.lastStatus = outcome.status;
    row.lastError = outcome.error?.slice(0, 500) ?? null;
    row.updatedAt = Date.now();
    row.status =
      outcome.error === undefined
        ? WebhookDeliveryStatus.delivered
        : row.attempts >= hook.maxAttempts
          ? WebhookDeliveryStatus.dead
          : WebhookDeliveryStatus.pending;
    await repo.save(row);
    if (row.status === WebhookDeliveryStatus.dead)
      this.logger.warn(`webhook ${hook.id}: ${event.type} ${event.id} is a dead letter after ${row.attempts} attempts (${row.lastError})`);
    // Throwing hands the event back to JetStream, which brings it again after the back-off.
    if (row.status === WebhookDeliveryStatus.pending) throw new Error(`webhook ${hook.id} attempt ${row.attempts}: ${row.lastError}`);
  }

  private async post(hook: WebhookEntity, event: DomainEvent): Promise<{ status: number | null; error?: string }> {
    try {
      const internal = this.config.webhookAllowInternal ? undefined : await internalAddressOf(hook.url);
      if (internal !== undefined) return { status: null, error: `refused: ${hook.url} reaches the internal address ${internal}` };
      const body = JSON.stringify(event);
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WebhookHeaders.eventType]: event.type,
          [WebhookHeaders.eventId]: event.id,
          [WebhookHeaders.timestamp]: String(timestamp),
          [WebhookHeaders.signature]: signWebhookBody(hook.secret, timestamp, body),
        },
        body,
        // A redirect could lead past the address check.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.webhookTimeoutMs),
      });
      await response.body?.cancel();
      return response.ok ? { status: response.status } : { status: response.status, error: `answered HTTP ${response.status}` };
    } catch (error) {
      return { status: null, error: message(error) };
    }
  }
}
