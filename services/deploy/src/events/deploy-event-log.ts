import { NATS_CONNECTION } from '@msec/platform';
import { Injectable, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { BusErrorCode, EventStore, createEvent, type DomainEvent, type StoredEvent } from '@msec/bus';
import { MsecError, type DeployEventPayloads } from '@msec/contracts';

/** A deploy event with its typed payload. */
export type DeployEvent = { [K in keyof DeployEventPayloads]: DomainEvent<K, DeployEventPayloads[K]> }[keyof DeployEventPayloads];

/**
 * Deploy's small aggregates in the event stream (a host's status, the signing key): each change is appended
 * expecting the aggregate's last event, so of two deploy processes deciding the same change, one records it.
 */
@Injectable()
export class DeployEventLog {
  private readonly store: EventStore;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    this.store = new EventStore(nc);
  }

  /** The aggregate's last event, or null. */
  last(subject: string): Promise<StoredEvent<DeployEvent> | null> {
    return this.store.last<DeployEvent>(subject);
  }

  /**
   * Appends the event unless `alreadySaid(last)` (the aggregate already records it); false when nothing was
   * appended because it was already said, or another process appended first.
   */
  async recordChange<K extends keyof DeployEventPayloads>(
    subject: string,
    type: K,
    aggregateId: string,
    payload: DeployEventPayloads[K],
    alreadySaid: (last: DeployEvent | null) => boolean,
  ): Promise<boolean> {
    const last = await this.last(subject);
    if (alreadySaid(last?.event ?? null)) return false;
    try {
      await this.append(subject, type, aggregateId, payload, last?.seq ?? 0);
      return true;
    } catch (error) {
      if (error instanceof MsecError && error.code === BusErrorCode.appendConflict) return false;
      throw error;
    }
  }

  /** Appends one event expecting the aggregate's last at `expectedSeq` (BUS_APPEND_CONFLICT otherwise). */
  async append<K extends keyof DeployEventPayloads>(
    subject: string,
    type: K,
    aggregateId: string,
    payload: DeployEventPayloads[K],
    expectedSeq: number,
  ): Promise<number> {
    return (await this.store.append(subject, createEvent(type, aggregateId, payload), { expectedLastSubjectSeq: expectedSeq })).seq;
  }
}
