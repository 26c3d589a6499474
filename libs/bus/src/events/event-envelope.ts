import { randomUUID } from 'node:crypto';

/** The typed envelope of every domain event appended to the event store. */
export interface DomainEvent<TType extends string = string, TPayload = unknown> {
  type: TType;
  /** Unique id; doubles as the JetStream de-duplication id. */
  id: string;
  /** ISO-8601 time the fact happened. */
  occurredAt: string;
  aggregateId: string;
  payload: TPayload;
  /** Schema version of the payload. */
  version: number;
}

/** A domain event read back from the store, with its place in the stream. */
export interface StoredEvent<TEvent extends DomainEvent = DomainEvent> {
  event: TEvent;
  /** Stream sequence: the position a projection checkpoints. */
  seq: number;
  subject: string;
}

/** Builds an envelope with a fresh id and the current time unless given. */
export function createEvent<TType extends string, TPayload>(
  type: TType,
  aggregateId: string,
  payload: TPayload,
  options: { id?: string; occurredAt?: Date; version?: number } = {},
): DomainEvent<TType, TPayload> {
  return {
    type,
    id: options.id ?? randomUUID(),
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    aggregateId,
    payload,
    version: options.version ?? 1,
  };
}
