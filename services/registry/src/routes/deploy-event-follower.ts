import type { Logger } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BusStreams, BusSubjects, ensureBusStreams, ensureConsumer, type DomainEvent } from '@msec/bus';
import { PULL_EXPIRES_MS, ResilientPull } from '@msec/bus/jetstream';

/** How long to wait before trying again after a failure. */
const RETRY_MS = 5_000;

/** What a follower does before it attaches (removing a consumer of an earlier version, say). */
type Prepare = (jsm: Awaited<ReturnType<typeof jetstreamManager>>) => Promise<void>;

/**
 * Follows some of deploy's events in the event stream through a durable consumer: each event is handed to `handle`
 * once it is stored, also those stored while the registry was down; an event `handle` fails on is offered again
 * after RETRY_MS. The pull is bound again when it ends or stops hearing from its server (on a cluster the consumer
 * moves to another server when its own dies), so following never stops silently.
 */
export class DeployEventFollower {
  private pull: ResilientPull | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly consumer: string,
    /** Event-store subject filter (`deploy.release.*`). */
    private readonly subjects: string,
    private readonly handle: (event: DomainEvent) => Promise<void>,
    private readonly logger: Logger,
    private readonly prepare: Prepare = async () => undefined,
  ) {}

  start(): void {
    void this.attach();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pull?.stop();
  }

  /** The first bind prepares and makes the consumer; until it succeeds it is tried again every RETRY_MS. */
  private async attach(): Promise<void> {
    if (this.stopped) return;
    try {
      const jsm = await jetstreamManager(this.nc);
      await ensureBusStreams(jsm);
      await this.prepare(jsm);
      const pull = new ResilientPull(
        async () => {
          // also when bound again after a fault: a consumer lost with every copy is made anew and offers its events again,
          // as at the first start
          await ensureConsumer(jsm, BusStreams.events, {
            durable_name: this.consumer,
            ack_policy: AckPolicy.Explicit,
            deliver_policy: DeliverPolicy.All,
            filter_subject: BusSubjects.event(this.subjects),
          });
          return (await jetstream(this.nc).consumers.get(BusStreams.events, this.consumer)).consume({ expires: PULL_EXPIRES_MS });
        },
        (message) => this.apply(message),
      );
      await pull.start();
      this.pull = pull;
      if (this.stopped) await pull.stop();
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(`${this.subjects} events not followed yet: ${error instanceof Error ? error.message : String(error)}`);
      this.timer = setTimeout(() => void this.attach(), RETRY_MS);
      this.timer.unref();
    }
  }

  private async apply(message: JsMsg): Promise<void> {
    try {
      await this.handle(message.json<DomainEvent>());
      message.ack();
    } catch (error) {
      this.logger.warn(`event ${message.seq} not applied yet: ${error instanceof Error ? error.message : String(error)}`);
      message.nak(RETRY_MS);
    }
  }
}
