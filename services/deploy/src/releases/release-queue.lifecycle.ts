import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ReleaseQueue } from './release-queue.js';
import { ReleasesRepository } from './releases.repository.js';

/** Starts the release plans' projection, then the release worker, with the app; stops them in reverse at shutdown. */
@Injectable()
export class ReleaseQueueLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly plans: ReleasesRepository,
    private readonly queue: ReleaseQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.plans.start();
    await this.queue.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.plans.stop();
  }
}
