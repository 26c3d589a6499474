import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import zookeeper from 'node-zookeeper-client';
import type { DependencyCheck } from '@msec/platform';

/** The registry's ZooKeeper session: connects in the background and reconnects by itself. */
@Injectable()
export class ZkSession implements OnApplicationShutdown {
  readonly client: zookeeper.Client;
  private readonly logger = new Logger('ZkSession');

  constructor(connectString: string) {
    this.client = zookeeper.createClient(connectString, { sessionTimeout: 10_000, spinDelay: 500, retries: 1_000_000 });
    this.client.on('state', (state) => this.logger.log(`zookeeper ${connectString}: ${String(state)}`));
    this.client.connect();
  }

  /** Ready when the session is connected. */
  healthCheck(): DependencyCheck {
    return {
      name: 'zookeeper',
      check: async () => this.client.getState() === zookeeper.State.SYNC_CONNECTED,
    };
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}
