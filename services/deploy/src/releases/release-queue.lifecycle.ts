import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ReleaseQueue } from './release-queue.js';
import { DeployReadModels } from '../events/deploy-read-models.js';

/** Starts deploy's read models, then the release worker, with the app; stops them in reverse at shutdown. */
@Injectable()
export class ReleaseQueueLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly readModels: DeployReadModels,
    private readonly queue: ReleaseQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.readModels.start();
    await this.queue.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.readModels.stop();
  }
}
