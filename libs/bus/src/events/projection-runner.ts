import { PULL_EXPIRES_MS, ResilientPull } from '../jetstream/resilient-pull.js';
import { ensureConsumer } from '../jetstream/ensure-consumer.js';
import { scanStream } from '../jetstream/stream-reader.js';
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
import { BusConsumers } from '../jetstream/bus-subjects.js';
import { ensureBusStreams } from '../jetstream/bus-streams.js';
import type { DomainEvent } from './event-envelope.js';
import { platformUpcasters, type EventUpcasters } from './event-upcasters.js';
import { ProjectionCheckpointEntity } from './projection-checkpoint.entity.js';
import { EVENT_STORE, type EventSource } from './event-source.js';

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
  /** Where its events are; the event store when absent (the gateway's audit trail has a stream of its own). */
  source?: EventSource;
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
  private readonly source: EventSource;
  private readonly rowLocks: boolean;
  private readonly options: Required<Omit<ProjectionRunnerOptions, 'onError'>> & Pick<ProjectionRunnerOptions, 'onError'>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly dataSource: DataSource,
    private readonly projection: Projection<TEvent>,
    options: ProjectionRunnerOptions = {},
  ) {
    this.key = `${projection.service}.${projection.name}`;
    this.durable = BusConsumers.projection(projection.service, projection.name);
    this.source = projection.source ?? EVENT_STORE;
    this.rowLocks = dataSource.options.type !== 'better-sqlite3';
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
    // Another source's stream is its owner's to make (with its limits).
    if (this.source === EVENT_STORE) await ensureBusStreams(this.jsm);
    // Bound again when the pull ends or stalls (the server holding the consumer died): a read model never stops.
    this.pull = new ResilientPull(
      async () => {
        await this.ensureConsumer();
        return (await jetstream(this.nc).consumers.get(this.source.stream, this.durable)).consume({
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
   * Empties the read model and replays its events from the first, in one transaction with the checkpoint, then catches
   * up with what came meanwhile. The transaction holds off every process sharing the read model until it commits (their
   * next event then finds it applied), and the durable consumer is left in place, so no process can re-make it midway.
   * A rebuild asked for while one runs joins it.
   */
  rebuild(timeoutMs = 30_000): Promise<void> {
    this.rebuilding ??= this.replayFromStart(timeoutMs).finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async replayFromStart(timeoutMs: number): Promise<void> {
    const filter = `${this.source.subjectPrefix}${this.projection.subjects}`;
    await serialTransaction(this.dataSource, async (em) => {
      const checkpoints = em.getRepository(ProjectionCheckpointEntity);
      // Written first, so the lock is taken before the replay reads anything.
      await checkpoints.save({ projection: this.key, lastSeq: 0, updatedAt: new Date() });
      await this.projection.reset(em);
      let last = 0;
      await scanStream(this.nc, this.source.stream, filter, async (m) => {
        const event = this.options.upcasters.upcast(JSON.parse(new TextDecoder().decode(m.data)) as TEvent);
        await this.projection.apply(em, event, { seq: m.seq, subject: m.subject.slice(this.source.subjectPrefix.length) });
        last = m.seq;
        return true;
      });
      await checkpoints.save({ projection: this.key, lastSeq: last, updatedAt: new Date() });
    });
    // A runner rebuilt before it was started consumes from here on, as a started one already does.
    await this.start();
    await this.caughtUp(timeoutMs);
  }

  /**
   * Resolves once the consumer has nothing pending or unacknowledged. While a rebuild runs here it waits for that too
   * (one in another process holds the read model's transaction, which the consumer's next event waits for).
   */
  async waitUntilCaughtUp(timeoutMs = 30_000): Promise<void> {
    if (this.rebuilding) await this.rebuilding.catch(() => undefined);
    await this.caughtUp(timeoutMs);
  }

  /**
   * Resolves once every event stored before this call is applied: the consumer has nothing pending, or its ack floor
   * has passed the stream's last sequence as it was at the call. The second matters under steady appends (many
   * requests each waiting for their own event), when "nothing pending" may not be seen for a long time.
   */
  private async caughtUp(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.jsm ??= await jetstreamManager(this.nc);
    const target = await this.jsm.streams.info(this.source.stream).then(
      (stream) => stream.state.last_seq,
      () => Number.POSITIVE_INFINITY,
    );
    for (;;) {
      const info = await this.jsm.consumers.info(this.source.stream, this.durable).catch((error: unknown) => {
        // The consumer is being made again (lost in a cluster fault, the pull binds it anew): not caught up yet.
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return null;
        throw error;
      });
      if (info !== null && info.num_pending === 0 && info.num_ack_pending === 0) return;
      if (info !== null && info.ack_floor.stream_seq >= target) return;
      if (Date.now() > deadline)
        throw projectionFailed(this.key, info?.delivered.stream_seq ?? 0, new Error('timed out waiting to catch up'));
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Records that the read model already holds every event up to `seq` (rows an import carried over as they stood), so
   * those events are not applied again; never moves the checkpoint back.
   */
  async markApplied(seq: number): Promise<void> {
    await serialTransaction(this.dataSource, async (em) => {
      const repo = em.getRepository(ProjectionCheckpointEntity);
      const row = await repo.findOneBy({ projection: this.key });
      if ((row?.lastSeq ?? 0) < seq) await repo.save({ projection: this.key, lastSeq: seq, updatedAt: new Date() });
    });
  }

  private async ensureConsumer(): Promise<void> {
    // A consumer made anew starts after the checkpoint: what the read model holds is not read again.
    const after = await this.checkpoint();
    await ensureConsumer(
      this.jsm!,
      this.source.stream,
      {
        durable_name: this.durable,
        ack_policy: AckPolicy.Explicit,
        ...(after > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 } : { deliver_policy: DeliverPolicy.All }),
        filter_subject: `${this.source.subjectPrefix}${this.projection.subjects}`,
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
        // Locked where the database locks rows (SQLite locks the whole file at the first write): a rebuild in another
        // process holds it until its replay is in, and this event is then found applied.
        const row = await repo.findOne({
          where: { projection: this.key },
          ...(this.rowLocks ? { lock: { mode: 'pessimistic_write' } } : {}),
        });
        if (row !== null && row.lastSeq >= seq) return;
        const event = this.options.upcasters.upcast(JSON.parse(new TextDecoder().decode(m.data)) as TEvent);
        await this.projection.apply(em, event, { seq, subject: m.subject.slice(this.source.subjectPrefix.length) });
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
