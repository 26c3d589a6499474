import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ReleaseQueue } from './release-queue.js';

/** Starts the release worker with the app and stops it first at shutdown. */
@Injectable()
export class ReleaseQueueLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly queue: ReleaseQueue) {}

  onApplicationBootstrap(): Promise<void> {
    return this.queue.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.queue.close();
  }
}
