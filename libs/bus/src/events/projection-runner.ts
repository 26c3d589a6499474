import { PULL_EXPIRES_MS, ResilientPull } from '../jetstream/resilient-pull.js';
import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { DataSource, EntityManager } from 'typeorm';
import { serialTransaction } from '@msec/persistence';
import { projectionFailed } from '../bus.errors.js';
import { BusConsumers, BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';
import { ensureBusStreams } from '../jetstream/bus-streams.js';
import type { DomainEvent } from './event-envelope.js';
import { platformUpcasters, type EventUpcasters } from './event-upcasters.js';
import { ProjectionCheckpointEntity } from './projection-checkpoint.entity.js';

/** Where an event sits in the stream, handed to `apply`. */
export interface EventMeta {
  seq: number;
  subject: string;
}

/** A read model fed by events: it only writes its own tables, through the manager it is given. */
export interface Projection<TEvent extends DomainEvent = DomainEvent> {
  /** Owning service, e.g. `registry`. */
  service: string;
  /** Projection name, unique within the service. */
  name: string;
  /** Event subject filter under the event stream, e.g. `registry.>`. */
  subjects: string;
  /** Applies one event inside the transaction that also moves the checkpoint. */
  apply(em: EntityManager, event: TEvent, meta: EventMeta): Promise<void>;
  /** Empties the read model before a rebuild. */
  reset(em: EntityManager): Promise<void>;
}

/** Knobs of a projection runner. */
export interface ProjectionRunnerOptions {
  /** How long an event may stay unacknowledged before JetStream redelivers it. */
  ackWaitMs?: number;
  /** Delay before an event whose apply failed comes back. */
  retryDelayMs?: number;
  /** Upcasters applied before `apply`; default the platform's. */
  upcasters?: EventUpcasters;
  onError?: (error: unknown) => void;
}

/**
 * Runs one projection on a durable consumer named after (service, projection). Each event is applied and
 * the checkpoint written in one transaction; events at or below the checkpoint are acknowledged unread,
 * so redelivery is harmless. Several processes of a service (sharing its database) may run the same projection:
 * the consumer hands out one event at a time, so they apply in stream order.
 */
export class ProjectionRunner<TEvent extends DomainEvent = DomainEvent> {
  private jsm: JetStreamManager | undefined;
  private pull: ResilientPull | undefined;
  private rebuilding: Promise<void> | undefined;
  private readonly key: string;
  private readonly durable: string;
  private readonly options: Required<Omit<ProjectionRunnerOptions, 'onError'>> & Pick<ProjectionRunnerOptions, 'onError'>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
    private readonly projection: Projection<TEvent>,
    options: ProjectionRunnerOptions = {},
  ) {
    this.key = `${projection.service}.${projection.name}`;
    this.durable = BusConsumers.projection(projection.service, projection.name);
    this.options = {
      ackWaitMs: options.ackWaitMs ?? 30_000,
      retryDelayMs: options.retryDelayMs ?? 1_000,
      upcasters: options.upcasters ?? platformUpcasters,
      onError: options.onError,
    };
  }

  /** The last stream sequence applied to the read model (0 when none). */
  async checkpoint(): Promise<number> {
    const row = await this.dataSource.getRepository(ProjectionCheckpointEntity).findOneBy({ projection: this.key });
    return row?.lastSeq ?? 0;
  }

  /** Creates the durable consumer if needed and starts applying events. */
  async start(): Promise<void> {
    if (this.pull) return;
    this.jsm ??= await jetstreamManager(this.nc);
    await ensureBusStreams(this.jsm);
    // Bound again when the pull ends or stalls (the server holding the consumer died): a read model never stops.
    this.pull = new ResilientPull(
      async () => {
        await this.ensureConsumer();
        return (await jetstream(this.nc).consumers.get(BusStreams.events, this.durable)).consume({
          max_messages: 256,
          expires: PULL_EXPIRES_MS,
        });
      },
      (m) => this.handle(m),
    );
    await this.pull.start();
  }

  /** Stops consuming; the durable consumer and checkpoint stay. */
  async stop(): Promise<void> {
    const pull = this.pull;
    this.pull = undefined;
    await pull?.stop();
  }

  /**
   * Empties the read model, resets the checkpoint and replays the stream from sequence 1. A rebuild asked for while one
   * runs joins it (it replays every event either way); the runner consumes again afterwards even if the rebuild failed.
   */
  rebuild(timeoutMs = 30_000): Promise<void> {
    this.rebuilding ??= this.replayFromStart(timeoutMs).finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async replayFromStart(timeoutMs: number): Promise<void> {
    await this.stop();
    try {
      this.jsm ??= await jetstreamManager(this.nc);
      await this.jsm.consumers.delete(BusStreams.events, this.durable).catch(() => false);
      await serialTransaction(this.dataSource, async (em) => {
        await this.projection.reset(em);
        await em.getRepository(ProjectionCheckpointEntity).save({ projection: this.key, lastSeq: 0, updatedAt: new Date() });
      });
    } finally {
      await this.start();
    }
    await this.caughtUp(timeoutMs);
  }

  /**
   * Resolves once the consumer has nothing pending or unacknowledged. While a rebuild runs (here, or in another
   * process sharing the read model, which deletes and makes the consumer again) it waits for that too.
   */
  async waitUntilCaughtUp(timeoutMs = 30_000): Promise<void> {
    if (this.rebuilding) await this.rebuilding.catch(() => undefined);
    await this.caughtUp(timeoutMs);
  }

  private async caughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.jsm ??= await jetstreamManager(this.nc);
    for (;;) {
      const info = await this.jsm.consumers.info(BusStreams.events, this.durable).catch((error: unknown) => {
        // The consumer is being made again by a rebuild: not caught up yet.
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return null;
        throw error;
      });
      if (info !== null && info.num_pending === 0 && info.num_ack_pending === 0) return;
      if (Date.now() > deadline)
        throw projectionFailed(this.key, info?.delivered.stream_seq ?? 0, new Error('timed out waiting to catch up'));
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async ensureConsumer(): Promise<void> {
    await ensureConsumer(
      this.jsm!,
      BusStreams.events,
      {
        durable_name: this.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: BusSubjects.event(this.projection.subjects),
        ack_wait: nanos(this.options.ackWaitMs),
        // One event in flight: processes sharing the read model's database share this consumer and still apply in order.
        max_ack_pending: 1,
      },
      { update: ['max_ack_pending', 'ack_wait'] },
    );
  }

  private async handle(m: JsMsg): Promise<void> {
    const seq = m.seq;
    try {
      await serialTransaction(this.dataSource, async (em) => {
        const repo = em.getRepository(ProjectionCheckpointEntity);
        const row = await repo.findOneBy({ projection: this.key });
        if (row !== null && row.lastSeq >= seq) return;
        const event = this.options.upcasters.upcast(JSON.parse(new TextDecoder().decode(m.data)) as TEvent);
        await this.projection.apply(em, event, { seq, subject: m.subject.slice(BusSubjects.event('').length) });
        await repo.save({ projection: this.key, lastSeq: seq, updatedAt: new Date() });
      });
      m.ack();
    } catch (error) {
      this.options.onError?.(projectionFailed(this.key, seq, error));
      m.nak(this.options.retryDelayMs);
    }
  }
}

/** How long an event one process took and did not apply waits before another process sharing the read model gets it. */
const SHARED_ACK_WAIT_MS = 5_000;

/**
 * The runner of a read model that several processes of one service share (one database), as every console service's
 * read models are: an event a dying process held goes to another after 5 s, and failures are reported, naming the
 * projection, to `log` (a Nest logger's `error`, say).
 */
export function sharedProjectionRunner<TEvent extends DomainEvent>(
  nc: NatsConnection,
  dataSource: DataSource,
  projection: Projection<TEvent>,
  log: (message: string) => void,
): ProjectionRunner<TEvent> {
  return new ProjectionRunner(nc, dataSource, projection, {
    ackWaitMs: SHARED_ACK_WAIT_MS,
    onError: (error) => log(`projection ${projection.name}: ${error instanceof Error ? error.message : String(error)}`),
  });
}
