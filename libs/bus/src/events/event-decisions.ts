import type { NatsConnection } from '@nats-io/transport-node';
import { MsecError } from '@msec/contracts';
import { BusErrorCode } from '../bus.errors.js';
import type { DomainEvent } from './event-envelope.js';
import { EventStore } from './event-store.js';
import { platformUpcasters, type EventUpcasters } from './event-upcasters.js';
import { PerKeyQueue } from './per-key-queue.js';

/** What a decision appends (nothing: the command changes nothing) and what it answers. */
export interface Decision<TEvent extends DomainEvent, T> {
  append: TEvent[];
  result: T;
}

/** How often a decision that lost a race to another process is taken again from the newer events. */
const DECISION_ATTEMPTS = 8;

/**
 * Decides commands on one aggregate (one event-store subject) from its events: reads them (upcast to their current
 * version), lets the caller decide what to append, and appends expecting the last one read. Commands on one subject
 * run one at a time in this process; when another process appended first, the command is decided again on the newer
 * events, so of two processes sharing an aggregate neither overwrites the other's change.
 */
export class EventDecisions<TEvent extends DomainEvent> {
  private readonly store: EventStore;
  private readonly queue = new PerKeyQueue();

  constructor(
    nc: NatsConnection,
    private readonly upcasters: EventUpcasters = platformUpcasters,
  ) {
    this.store = new EventStore(nc);
  }

  /** Creates the event stream if missing. */
  init(): Promise<void> {
    return this.store.init();
  }

  /** Every event under `subject`, in its current version. */
  async events(subject: string): Promise<{ events: TEvent[]; lastSeq: number }> {
    const { events, lastSeq } = await this.store.read<TEvent>(subject);
    return { events: events.map((e) => this.upcasters.upcast(e.event)), lastSeq };
  }

  /** Decides and appends as described above; errors thrown by `decide` reach the caller unchanged. */
  decide<T>(subject: string, decide: (events: TEvent[]) => Promise<Decision<TEvent, T>> | Decision<TEvent, T>): Promise<T> {
    return this.queue.run(subject, () => this.decideNow(subject, decide));
  }

  /** Appends `events` only when `subject` has none yet (a first import); false when another process got there first. */
  async appendToEmpty(subject: string, events: TEvent[]): Promise<boolean> {
    if (events.length === 0) return false;
    try {
      await this.store.appendAll(subject, events, 0);
      return true;
    } catch (error) {
      if (error instanceof MsecError && error.code === BusErrorCode.appendConflict) return false;
      throw error;
    }
  }

  private async decideNow<T>(
    subject: string,
    decide: (events: TEvent[]) => Promise<Decision<TEvent, T>> | Decision<TEvent, T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const { events, lastSeq } = await this.events(subject);
      const decision = await decide(events);
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
