import { NATS_CONNECTION } from '@msec/platform';
import { Injectable, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { EventDecisions, EventStore, createEvent, type Decision, type DomainEvent } from '@msec/bus';
import type { MonitorEventPayloads } from '@msec/contracts';

/** A monitor event with its typed payload. */
export type MonitorEvent = { [K in keyof MonitorEventPayloads]: DomainEvent<K, MonitorEventPayloads[K]> }[keyof MonitorEventPayloads];

/**
 * The monitor's events (alarm rules and alarm state): every change is appended here first and the tables follow
 * through projections. Rule changes are decided from the service's rule events and appended expecting the last of
 * them, so two monitor processes changing one service's rules at once decide one after the other.
 */
@Injectable()
export class MonitorEventLog {
  private readonly store: EventStore;
  private readonly decisions: EventDecisions<MonitorEvent>;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    this.store = new EventStore(nc);
    this.decisions = new EventDecisions(nc);
  }

  /** Creates the event stream if missing. */
  init(): Promise<void> {
    return this.store.init();
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

  /** Decides a change from the events under `subject` and appends it expecting the last of them (see EventDecisions). */
  decide<T>(subject: string, decide: (events: MonitorEvent[]) => Promise<Decision<MonitorEvent, T>>): Promise<T> {
    return this.decisions.decide(subject, decide);
  }
}
