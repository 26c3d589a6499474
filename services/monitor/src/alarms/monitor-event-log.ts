import type { NatsConnection } from '@nats-io/transport-node';
import { EventStore, createEvent } from '@msec/bus';
import type { MonitorEventPayloads } from '@msec/contracts';

/**
 * Appends the monitor's domain events (alarm state and alarm rule changes) to the event stream before the change is
 * written to the monitor's tables: a change that could not be recorded is not made (an evaluation is retried next time).
 */
export class MonitorEventLog {
  private readonly store: EventStore;

  constructor(nc: NatsConnection) {
    this.store = new EventStore(nc);
  }

  /** Creates the event stream if missing. */
  init(): Promise<void> {
    return this.store.init();
  }

  /**
   * Appends one event under `subject` (see MonitorEventSubjects). A stable `id` makes a repeated decision (a retried
   * evaluation of the same minute) one event.
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
}
