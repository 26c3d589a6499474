import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { DomainEvent, EventDelivery } from '@msec/bus';
import { eventDefinitionOf, eventTypesFilter } from '@msec/contracts';
import { readSdkEnvironment, sdkNatsCreds } from '../config/sdk-env.js';
import { eventsConnectFailed, eventsNotConfigured } from './events.errors.js';
import { ProcessedIds } from './processed-ids.js';

/** Where and as whom `sdk.events` connects; every field has a default from the SDK environment. */
export interface EventsOptions {
  /** NATS servers (comma-separated); default MSEC_NATS_URL. */
  natsUrl?: string;
}

/** How one subscription consumes. */
export interface EventSubscribeOptions {
  /** Name of the durable consumer (letters, digits, '-', '_'): the position survives restarts; one name per automation. */
  durable: string;
  /** Folder of the processed-id file; default `<MSEC_DATA_DIR>/events`. */
  stateDir?: string;
  /** Delay before an event whose handler threw comes back (ms, default 5000). */
  retryDelayMs?: number;
  /** How long a handler may run before the event is redelivered elsewhere (ms, default 30000). */
  ackWaitMs?: number;
  /**
   * Where a durable that does not exist yet starts: with events appended from now on (`new`, default) or with every event
   * the feed still holds, up to seven days (`all`). An existing durable always continues where it stopped.
   */
  startAt?: 'all' | 'new';
  /** Called with each handler failure (the event comes back); default: printed to stderr. */
  onError?: (error: unknown) => void;
}

/** A running subscription. */
export interface EventSubscription {
  readonly durable: string;
  /** Stops after the event in hand; the durable consumer keeps the position. */
  stop(): Promise<void>;
}

/**
 * Automation for business services: subscribe to catalogue events (docs/events.md) with at-least-once delivery through
 * a durable consumer of the event feed, and idempotent handling — a handler sees each event id once, also across restarts,
 * because handled ids are written to a local file before the event is acknowledged.
 */
export class Events {
  private nc: NatsConnection | undefined;
  private opening: Promise<NatsConnection> | undefined;
  private readonly subscriptions = new Set<EventSubscription>();

  constructor(private readonly options: EventsOptions = {}) {}

  /**
   * Calls `handler` for each event of `types` (one or several catalogue types, e.g. `monitor.AlarmFired`), upcast to
   * the version the catalogue shows. A throw redelivers the event after `retryDelayMs`.
   */
  async subscribe<TPayload = unknown>(
    types: string | readonly string[],
    handler: (event: DomainEvent<string, TPayload>, delivery: EventDelivery) => Promise<void>,
    options: EventSubscribeOptions,
  ): Promise<EventSubscription> {
    // The bus (and what it loads) only in processes that subscribe: a plain service stays small.
    const { EventSubscriber, invalidField, validateDurableName } = await import('@msec/bus');
    const list = typeof types === 'string' ? [types] : [...types];
    if (list.length === 0) throw invalidField('types', 'give at least one event type from docs/events.md, e.g. monitor.AlarmFired');
    const wanted = new Set(list.map((t) => eventDefinitionOf(t).type));
    const filter = eventTypesFilter([...wanted]);
    validateDurableName(options?.durable);
    const env = readSdkEnvironment();
    const processed = await ProcessedIds.open(join(options.stateDir ?? join(env.dataDir, 'events'), `${options.durable}.ids`));
    const subscriber = new EventSubscriber<DomainEvent<string, TPayload>>(
      await this.connection(),
      async (event, delivery) => {
        if (!wanted.has(event.type) || processed.has(event.id)) return;
        await handler(event, delivery);
        await processed.add(event.id);
      },
      {
        durable: options.durable,
        filter,
        retryDelayMs: options.retryDelayMs ?? 5_000,
        ackWaitMs: options.ackWaitMs ?? 30_000,
        startAt: options.startAt ?? 'new',
        onError:
          options.onError ??
          ((error) => console.error(`events ${options.durable}: ${error instanceof Error ? error.message : String(error)}`)),
      },
    );
    try {
      await subscriber.start();
    } catch (error) {
      await processed.close();
      throw error;
    }
    const subscription: EventSubscription = {
      durable: options.durable,
      stop: async () => {
        this.subscriptions.delete(subscription);
        await subscriber.stop();
        await processed.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Stops every subscription (handlers in hand finish), then drains the connection. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    const opening = this.opening;
    this.opening = undefined;
    await opening?.catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
    this.nc = undefined;
  }

  private connection(): Promise<NatsConnection> {
    if (this.nc) return Promise.resolve(this.nc);
    this.opening ??= this.open().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return this.opening;
  }

  private async open(): Promise<NatsConnection> {
    const env = readSdkEnvironment();
    const natsUrl = this.options.natsUrl ?? env.natsUrl;
    if (!natsUrl) throw eventsNotConfigured();
    try {
      this.nc = await connect({
        ...sdkNatsCreds(env),
        servers: natsUrl.split(','),
        name: `msec-events-${env.service ?? env.hostName}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
    } catch (error) {
      throw eventsConnectFailed(natsUrl, error);
    }
    return this.nc;
  }
}

/** The process's `events`, connecting to MSEC_NATS_URL as the service's identity on first subscribe. */
export const events = new Events();
