import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DelayScheduler, type MessageBus } from '@msec/bus';
import { BUS_REDIS, DEPLOY_BUS, DELAY_SCHEDULER } from './messaging.tokens.js';

const RETRY_START_MS = 5_000;

/**
 * Creates the bus streams and starts the delay scheduler with the app, without holding up start-up: if
 * NATS or Redis is not ready the start is retried in the background. Stops the scheduler (releasing its
 * leader lease) and closes its Redis connection at shutdown.
 */
@Injectable()
export class MessagingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Messaging');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private starting: Promise<void> | undefined;

  constructor(
    @Inject(DEPLOY_BUS) private readonly bus: MessageBus,
    @Inject(DELAY_SCHEDULER) private readonly scheduler: DelayScheduler | null,
    @Inject(BUS_REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.starting = this.start();
    await this.starting;
  }

  private async start(): Promise<void> {
    try {
      await this.bus.init();
      await this.scheduler?.start();
    } catch (error) {
      if (this.stopped) return;
      this.log.error(`bus start failed, retrying in ${RETRY_START_MS} ms: ${error instanceof Error ? error.message : String(error)}`);
      await this.scheduler?.stop().catch(() => undefined);
      this.timer = setTimeout(() => {
        this.starting = this.start();
      }, RETRY_START_MS);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.starting?.catch(() => undefined);
    await this.scheduler?.stop().catch(() => undefined);
    await this.bus.close().catch(() => undefined);
    this.redis.disconnect();
  }
}
