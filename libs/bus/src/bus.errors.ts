import { MsecError, ValidationError } from '@msec/contracts';

/** Stable codes of every error the bus raises on purpose. */
export const BusErrorCode = {
  validation: 'VALIDATION_FAILED',
  unknownSubject: 'BUS_UNKNOWN_SUBJECT',
  messageTooLarge: 'BUS_MESSAGE_TOO_LARGE',
  publishFailed: 'BUS_PUBLISH_FAILED',
  publishRejected: 'BUS_PUBLISH_REJECTED',
  deadLetterNotFound: 'BUS_DEAD_LETTER_NOT_FOUND',
  streamNotFound: 'BUS_STREAM_NOT_FOUND',
  notCreated: 'BUS_NOT_CREATED',
  messageInProgress: 'BUS_MESSAGE_IN_PROGRESS',
  unknownRetryPolicy: 'BUS_UNKNOWN_RETRY_POLICY',
  projectionFailed: 'BUS_PROJECTION_FAILED',
  upcastFailed: 'BUS_EVENT_UPCAST_FAILED',
  subscriberFailed: 'BUS_EVENT_HANDLER_FAILED',
  appendConflict: 'BUS_APPEND_CONFLICT',
  scheduledNotFound: 'BUS_SCHEDULED_NOT_FOUND',
  notScheduled: 'BUS_NOT_SCHEDULED',
  alreadyDelivered: 'BUS_ALREADY_DELIVERED',
} as const;
/** One of the bus's error codes. */
export type BusErrorCode = (typeof BusErrorCode)[keyof typeof BusErrorCode];

/** A bad input field: names the field and says how to fix it (code VALIDATION_FAILED). */
export function invalidField(field: string, message: string, data: Record<string, unknown> = {}): MsecError {
  return new ValidationError(field, message, data);
}

/** The subject matches none of the patterns this bus was configured with. */
export function unknownSubject(subject: string, allowed: readonly string[]): MsecError {
  return new MsecError(
    BusErrorCode.unknownSubject,
    `subject: "${subject}" matches no known subject pattern (${allowed.join(', ')}); add it to the bus's subjects or fix the name`,
    {
      status: 400,
      data: { field: 'subject', subject, allowed: [...allowed] },
    },
  );
}

/** The encoded message is larger than the broker accepts. */
export function messageTooLarge(bytes: number, limit: number): MsecError {
  return new MsecError(
    BusErrorCode.messageTooLarge,
    `body: ${bytes} bytes exceeds the ${limit}-byte limit; send a reference (e.g. an object-store key) instead`,
    {
      status: 413,
      data: { field: 'body', bytes, limit },
    },
  );
}

/** The broker did not acknowledge a publish; retrying may help. */
export function publishFailed(subject: string, cause: unknown): MsecError {
  return new MsecError(BusErrorCode.publishFailed, `publish to "${subject}" was not acknowledged by JetStream`, {
    status: 503,
    retryable: true,
    data: { subject },
    cause,
  });
}

/** No dead letter with this id exists for the group and subject. */
export function deadLetterNotFound(msgId: string): MsecError {
  return new MsecError(BusErrorCode.deadLetterNotFound, `no dead letter with message id "${msgId}"`, { status: 404, data: { msgId } });
}

/** A retry policy name that no implementation answers to. */
export function unknownRetryPolicy(name: string, known: readonly string[]): MsecError {
  return new MsecError(BusErrorCode.unknownRetryPolicy, `retry.kind: unknown retry policy "${name}"; use one of ${known.join(', ')}`, {
    status: 400,
    data: { field: 'retry.kind', name, known: [...known] },
  });
}

/** A projection could not apply an event; the event stays unacknowledged and comes back. */
export function projectionFailed(projection: string, seq: number, cause: unknown): MsecError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new MsecError(BusErrorCode.projectionFailed, `projection "${projection}" failed to apply stream sequence ${seq}: ${reason}`, {
    status: 500,
    retryable: true,
    data: { projection, seq },
    cause,
  });
}

/** Another writer appended to the aggregate since it was read: re-read and decide again. */
export function appendConflict(subject: string, expectedSeq: number): MsecError {
  return new MsecError(
    BusErrorCode.appendConflict,
    `"${subject}" changed since it was read (expected its last event at sequence ${expectedSeq}); read it again and retry`,
    { status: 409, retryable: true, data: { subject, expectedSeq } },
  );
}

/** JetStream answered a publish with an error (no stream, limits, …): retrying the same message will not help. */
export function publishRejected(subject: string, cause: unknown): MsecError {
  return new MsecError(
    BusErrorCode.publishRejected,
    `JetStream rejected the publish to "${subject}": ${cause instanceof Error ? cause.message : String(cause)}`,
    {
      status: 502,
      data: { subject },
      cause,
    },
  );
}

/** Another consumer holds the idempotency claim of this message; retry later. */
export function messageInProgress(scope: string, msgId: string): MsecError {
  return new MsecError(BusErrorCode.messageInProgress, `message ${msgId} is being handled by another consumer`, {
    status: 409,
    retryable: true,
    data: { scope, msgId },
  });
}

/** No JetStream stream has this name. */
export function streamNotFound(stream: string): MsecError {
  return new MsecError(
    BusErrorCode.streamNotFound,
    `stream: no stream named "${stream}"; list the streams with GET /api/v1/messages/streams`,
    {
      status: 404,
      data: { field: 'stream', stream },
    },
  );
}

/** A business client found no bus streams: they are created by the deploy service, which a client may not do itself. */
export function busNotCreated(stream: string): MsecError {
  return new MsecError(
    BusErrorCode.notCreated,
    `the message bus stream ${stream} does not exist (or this identity may not read it); the deploy service creates the bus streams when it starts: start it (./msec up) and retry`,
    { status: 503, retryable: true, data: { stream } },
  );
}

/** An upcaster threw on an old event: the event is not handed to readers and comes back. */
export function eventUpcastFailed(type: string, version: number, cause: unknown): MsecError {
  return new MsecError(
    BusErrorCode.upcastFailed,
    `event ${type} version ${version} could not be upcast: ${cause instanceof Error ? cause.message : String(cause)}; fix its upcaster`,
    { status: 500, data: { type, version }, cause },
  );
}

/** An event subscriber's handler threw; the event is redelivered after the retry delay. */
export function eventHandlerFailed(durable: string, seq: number, cause: unknown): MsecError {
  return new MsecError(
    BusErrorCode.subscriberFailed,
    `event subscriber ${durable} failed on event #${seq}: ${cause instanceof Error ? cause.message : String(cause)}`,
    { status: 500, retryable: true, data: { durable, seq }, cause },
  );
}

/** No scheduled message has this id (never published, or its publish record is gone). */
export function scheduledNotFound(msgId: string): MsecError {
  return new MsecError(
    BusErrorCode.scheduledNotFound,
    `no scheduled message has id ${msgId}; check the id the publish answered (./msec mq trace ID shows what is known of it)`,
    { status: 404, data: { msgId } },
  );
}

/** The message was published for delivery at once: there is nothing scheduled to cancel. */
export function notScheduled(msgId: string): MsecError {
  return new MsecError(
    BusErrorCode.notScheduled,
    `message ${msgId} was published for delivery at once, not scheduled; it cannot be cancelled`,
    {
      status: 409,
      data: { msgId },
    },
  );
}

/** The scheduled message was already delivered (or is being delivered): too late to cancel. */
export function alreadyDelivered(msgId: string): MsecError {
  return new MsecError(
    BusErrorCode.alreadyDelivered,
    `message ${msgId} was already delivered to its subject; it can no longer be cancelled`,
    {
      status: 409,
      data: { msgId },
    },
  );
}
