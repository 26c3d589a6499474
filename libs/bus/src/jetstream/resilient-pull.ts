import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';

/** Pause before binding again to a consumer whose pull ended without a stop. */
const RESUME_MS = 500;
/** Missed-heartbeat (or consumer-gone) notices after which a pull is given up and bound again. */
const STALLS_BEFORE_RESUME = 1;
/**
 * How long each pull request waits on the server: heartbeats come every half of it and two missed ones are noticed,
 * so a pull whose server died is bound again within about this long (the client default, 30 s, would take a minute).
 */
export const PULL_EXPIRES_MS = 5_000;

/**
 * Pulls from a durable consumer until stopped, binding again when the pull ends or stalls on its own: on a cluster,
 * the server holding the consumer may die and JetStream moves it to another, which an open pull does not follow.
 * `open` binds (and, when it was lost, makes) the consumer; `onMessage` is awaited before the next message is taken.
 */
export class ResilientPull {
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  /** Heartbeats missed (or consumer-gone notices) since the last message or heartbeat. */
  private missed = 0;

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
    // A pull closed while its consumer was being deleted and made again (another process rebuilding a read model) can
    // leave its iterator open until the server ends the pull request; the loop ends at its next turn either way.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2 * PULL_EXPIRES_MS);
      timer.unref();
    });
    await Promise.race([this.loop?.catch(() => undefined), bound]);
    clearTimeout(timer);
  }

  private async run(first: ConsumerMessages): Promise<void> {
    for (let messages: ConsumerMessages | undefined = first; !this.stopping;) {
      if (messages !== undefined) {
        this.missed = 0;
        const watching = this.watchStalls(messages);
        try {
          for await (const m of messages) {
            this.missed = 0;
            await this.onMessage(m);
          }
        } catch {
          // pulling failed: bound again below
        }
        await watching;
      }
      if (this.stopping) return;
      await new Promise((resolve) => setTimeout(resolve, RESUME_MS).unref());
      messages = await this.open().catch(() => undefined);
      this.messages = messages;
      if (this.stopping) await messages?.close().catch(() => undefined);
    }
  }

  /**
   * Closes a pull the server stopped answering (missed heartbeats, consumer gone), so that it is bound again. The
   * client's own re-pulls do not count as answers: only a heartbeat or a message does.
   */
  private async watchStalls(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      const gone = status.type === 'heartbeats_missed' || status.type === 'consumer_not_found' || status.type === 'no_responders';
      if (gone || status.type === 'consumer_deleted') this.missed += 1;
      else if (status.type === 'heartbeat') this.missed = 0;
      if (this.missed >= STALLS_BEFORE_RESUME) {
        await messages.close().catch(() => undefined);
        return;
      }
    }
  }
}
