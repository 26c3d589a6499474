import type { NatsConnection } from '@nats-io/transport-node';
import { BusErrorCode, EventStore, PerKeyQueue, createEvent, platformUpcasters, type DomainEvent, type StoredEvent } from '@msec/bus';
import { MsecError, type MonitorEventPayloads } from '@msec/contracts';

/** A monitor event with its typed payload. */
export type MonitorEvent = { [K in keyof MonitorEventPayloads]: DomainEvent<K, MonitorEventPayloads[K]> }[keyof MonitorEventPayloads];

/** How often a decision that lost a race to another monitor process is taken again from the newer events. */
const DECISION_ATTEMPTS = 8;

/**
 * The monitor's events (alarm rules and alarm state): every change is appended here first and the tables follow
 * through projections. Rule changes are decided from the service's rule events and appended expecting the last of
 * them, so two monitor processes changing one service's rules at once decide one after the other.
 */
export class MonitorEventLog {
  private readonly store: EventStore;
  private readonly queue = new PerKeyQueue();

  constructor(nc: NatsConnection) {
    this.store = new EventStore(nc);
  }

  /** Creates the event stream if missing. */
  init(): Promise<void> {
    return this.store.init();
  }

  /** Every event under `subject` in its current version, and the sequence of the last. */
  async read(subject: string): Promise<{ events: StoredEvent<MonitorEvent>[]; lastSeq: number }> {
    const { events, lastSeq } = await this.store.read<MonitorEvent>(subject);
    return { events: events.map((e) => ({ ...e, event: platformUpcasters.upcast(e.event) })), lastSeq };
  }

  /**
   * Appends one event under `subject` (see MonitorEventSubjects). A stable `id` makes a repeated decision (a retried
   * evaluation of the same minute, or another monitor process judging it too) one event.
   */
  async append<K extends keyof MonitorEventPayloads>(
    subject: string,
    type: K,
    aggregateId: string,
    payload: MonitorEventPayloads[K],
    id?: string,
  ): Promise<void> {
    await this.store.append(subject, createEvent(type, aggregateId, payload, id === undefined ? {} : { id }));
  }

  /**
   * Reads the events under `subject`, lets `decide` turn them into the events to append (or throw), and appends
   * those expecting the last one read; when another process appended first, reads and decides again.
   */
  async decide<T>(subject: string, decide: (events: MonitorEvent[]) => Promise<{ append: MonitorEvent[]; result: T }>): Promise<T> {
    return this.queue.run(subject, () => this.decideNow(subject, decide));
  }

  private async decideNow<T>(
    subject: string,
    decide: (events: MonitorEvent[]) => Promise<{ append: MonitorEvent[]; result: T }>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { events, lastSeq } = await this.read(subject);
      const decision = await decide(events.map((e) => e.event));
      if (decision.append.length === 0) return decision.result;
      try {
        await this.store.appendAll(subject, decision.append, lastSeq);
        return decision.result;
      } catch (error) {
        const conflict = error instanceof MsecError && error.code === BusErrorCode.appendConflict;
        if (!conflict || attempt >= DECISION_ATTEMPTS) throw error;
        // Let the other process's next decision land before reading again.
        await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }
}
