import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';

/**
 * Follows one key of a KV bucket: the watch delivers the current value first and then every change within
 * milliseconds, undefined when the key is deleted. Retries every `retryMs` while NATS or the bucket is missing.
 */
export class KvKeyWatcher {
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly bucket: string,
    private readonly key: string,
    private readonly onValue: (text: string | undefined) => void,
    private readonly retryMs = 2000,
  ) {
    this.done = this.run();
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    await this.done;
  }

  private async run(): Promise<void> {
    while (!this.stopped && !this.nc.isClosed()) {
      try {
        const kv = await new Kvm(this.nc).open(this.bucket);
        await kv.status();
        const watch = await kv.watch({ key: this.key });
        this.stopWatch = () => watch.stop();
        if (this.stopped) watch.stop();
        for await (const entry of watch) this.onValue(entry.operation === 'PUT' ? entry.string() : undefined);
      } catch {
        // Bucket not created yet or NATS unreachable: try again shortly.
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, this.retryMs).unref());
    }
  }
}
