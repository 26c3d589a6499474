import { Logger, type Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { DelayScheduler, MessageBus } from '@msec/bus';
import { NATS_CONNECTION, redisClientOptions } from '@msec/platform';
import { allowedSubjects, loadMessagingConfig, MESSAGING_CONFIG, type MessagingConfig } from './messaging.config.js';
import { MessagingController } from './messaging.controller.js';
import { MessagingDomain } from './messaging.domain.js';
import { MessagingLifecycle } from './messaging.lifecycle.js';
import { BUS_REDIS, DEPLOY_BUS, DELAY_SCHEDULER } from './messaging.tokens.js';

const ERROR_LOG_EVERY_MS = 10_000;

/** Logs scheduler errors (NATS or Redis away) at most once per 10 s, with how many were folded in. */
function throttledErrorLog(): (error: unknown) => void {
  const log = new Logger('DelayScheduler');
  let last = 0;
  let folded = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < ERROR_LOG_EVERY_MS) {
      folded++;
      return;
    }
    log.warn(`${error instanceof Error ? error.message : String(error)}${folded > 0 ? ` (+${folded} more since the last report)` : ''}`);
    last = now;
    folded = 0;
  };
}

/** Controllers of the bus API (`msec.bus.*`). */
export const MESSAGING_CONTROLLERS = [MessagingController];

/**
 * Providers of the bus the deploy service hosts: the delay scheduler (leased, so every deploy instance may
 * run one) on the deploy service's Redis, and the admin/messaging API. `redisUrl` is the deploy config's.
 */
export function messagingProviders(
  deploy: { redisUrl: string; redisTlsCa: string },
  config: MessagingConfig = loadMessagingConfig(),
): Provider[] {
  const subjects = allowedSubjects(config);
  return [
    { provide: MESSAGING_CONFIG, useValue: config },
    {
      provide: BUS_REDIS,
      // lazyConnect: the scheduler connects on first use; ioredis reconnects by itself after a Redis restart.
      useFactory: () => new Redis({ ...redisClientOptions(deploy), lazyConnect: true, maxRetriesPerRequest: null }),
    },
    {
      provide: DEPLOY_BUS,
      useFactory: (nc: NatsConnection) =>
        new MessageBus(nc, {
          producer: 'msec-deploy',
          ...(subjects ? { subjects } : {}),
          ...(config.busMaxMessageBytes > 0 ? { maxMessageBytes: config.busMaxMessageBytes } : {}),
        }),
      inject: [NATS_CONNECTION],
    },
    {
      provide: DELAY_SCHEDULER,
      useFactory: (nc: NatsConnection, redis: Redis) =>
        config.busScheduler ? new DelayScheduler(nc, redis, { prefix: config.busPrefix, onError: throttledErrorLog() }) : null,
      inject: [NATS_CONNECTION, BUS_REDIS],
    },
    {
      provide: MessagingDomain,
      useFactory: (bus: MessageBus, redis: Redis) => new MessagingDomain(bus, { redis, prefix: config.busPrefix }),
      inject: [DEPLOY_BUS, BUS_REDIS],
    },
    MessagingLifecycle,
  ];
}
