import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/** Pause before binding again to a consumer whose pull ended without a stop. */
const RESUME_MS = 500;
/** Missed heartbeats (or consumer-gone notices) in a row after which a pull is given up and bound again. */
const STALLS_BEFORE_RESUME = 2;

/**
 * Pulls from a durable consumer until stopped, binding again when the pull ends or stalls on its own: on a cluster,
 * the server holding the consumer may die and JetStream moves it to another, which an open pull does not follow.
 * `open` binds (and, when it was lost, makes) the consumer; `onMessage` is awaited before the next message is taken.
 */
export class ResilientPull {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly open: () => Promise<ConsumerMessages>,
    private readonly onMessage: (m: JsMsg) => Promise<void>,
  ) {}

  /** Binds once (errors go to the caller), then pulls in the background. */
  async start(): Promise<void> {
    this.messages = await this.open();
    this.loop = this.run(this.messages);
  }

  /** Stops pulling; resolves once the loop has ended (messages being handled are the caller's to wait for). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
  }

  private async run(first: ConsumerMessages): Promise<void> {
    for (let messages: ConsumerMessages | undefined = first; !this.stopping;) {
      if (messages !== undefined) {
        const watching = watchStalls(messages);
        try {
          for await (const m of messages) await this.onMessage(m);
        } catch {
          // pulling failed: bound again below
        }
        await watching;
      }
      if (this.stopping) return;
      await new Promise((resolve) => setTimeout(resolve, RESUME_MS));
      messages = await this.open().catch(() => undefined);
      this.messages = messages;
      if (this.stopping) await messages?.close().catch(() => undefined);
    }
  }
}

/** Closes a pull the server stopped answering (missed heartbeats, consumer gone), so that it is bound again. */
async function watchStalls(messages: ConsumerMessages): Promise<void> {
  let missed = 0;
  for await (const status of messages.status()) {
    const gone = status.type === 'heartbeats_missed' || status.type === 'consumer_not_found' || status.type === 'no_responders';
    if (gone || status.type === 'consumer_deleted') missed += 1;
    else if (status.type === 'heartbeat' || status.type === 'next') missed = 0;
    if (missed >= STALLS_BEFORE_RESUME) {
      await messages.close().catch(() => undefined);
      return;
    }
  }
}
