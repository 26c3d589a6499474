import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { LOG_COLOUR_BUCKET, LOG_TRACE_SAMPLING_KEY } from '@msec/contracts';

/**
 * Follows the trace sampling set in the console: the LOG_TRACE_SAMPLING_KEY value beside the colouring rules,
 * delivered at start and on every change (undefined when deleted). Retries every `retryMs` while NATS or the
 * bucket is missing.
 */
export class TraceSamplingWatcher {
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
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
        const watch = await kv.watch({ key: LOG_TRACE_SAMPLING_KEY });
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
