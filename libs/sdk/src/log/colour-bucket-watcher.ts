import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { LOG_COLOUR_BUCKET } from '@msec/contracts';

/**
 * Follows one key of the log service's KV bucket (colouring rules, trace sampling): the watch delivers the current
 * value first (the fetch at start) and then every change within milliseconds, undefined when the key is deleted.
 * Retries every `retryMs` while NATS or the bucket is missing.
 */
export class ColourBucketKeyWatcher {
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
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
        const kv = await new Kvm(this.nc).open(LOG_COLOUR_BUCKET);
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
