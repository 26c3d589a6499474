import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import zookeeper from 'node-zookeeper-client';
import { authenticate, type ZkIdentity } from '@msec/nlb';
import type { DependencyCheck } from '@msec/platform';

/** ZooKeeper calls queue while disconnected; past this the registry answers without them. */
export const ZK_CALL_TIMEOUT_MS = 2_000;

/** Rejects when a ZooKeeper call does not finish in time, so a ZooKeeper outage never hangs a request. */
export function withTimeout<T>(work: Promise<T>, what: string, timeoutMs = ZK_CALL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ZooKeeper did not answer ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function codeOf(error: unknown): number | undefined {
  return error instanceof zookeeper.Exception ? error.getCode() : undefined;
}

/** The registry's ZooKeeper session: connects in the background and reconnects by itself. */
@Injectable()
export class ZkSession implements OnApplicationShutdown {
  readonly client: zookeeper.Client;
  private readonly logger = new Logger('ZkSession');

  constructor(connectString: string, auth: readonly ZkIdentity[] = []) {
    // The client reconnects by itself whatever `retries` says; `retries` only re-sends a call that lost its connection,
    // every 10 s, and after close() every call loses it: a large value left timers running for ever after shutdown.
    this.client = zookeeper.createClient(connectString, { sessionTimeout: 10_000, spinDelay: 500, retries: 0 });
    authenticate(this.client, auth);
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

  /** Children of a znode; empty when it does not exist. */
  children(path: string): Promise<string[]> {
    return withTimeout(this.rawChildren(path), `getChildren ${path}`);
  }

  private rawChildren(path: string): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.client.getChildren(path, (error, children) => {
        if (error && codeOf(error) === zookeeper.Exception.NO_NODE) resolve([]);
        else if (error) reject(error);
        else resolve(children);
      });
    });
  }

  /** Removes a znode; a missing or non-empty node is left alone. */
  remove(path: string): Promise<void> {
    return withTimeout(this.rawRemove(path), `remove ${path}`);
  }

  private rawRemove(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.remove(path, -1, (error) => {
        const code = codeOf(error);
        if (!error || code === zookeeper.Exception.NO_NODE || code === zookeeper.Exception.NOT_EMPTY) resolve();
        else reject(error);
      });
    });
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}
