/** NATS subjects of the bus admin and messaging API (served by the deploy service, `docs/messaging.md`). */
export const BusApiSubjects = {
  /** Publish a business message: BusPublishRequest → BusPublishReply. */
  publish: 'msec.bus.publish',
  /** The bus streams: {} → BusStreamView[]. */
  streams: 'msec.bus.streams',
  /** Consumers of a stream with their lag: {stream?} → BusConsumerView[]. */
  consumers: 'msec.bus.consumers',
  /** Everything known about a message id: {msgId} → BusTraceView. */
  trace: 'msec.bus.trace',
  /** Dead letters: {group?, subject?, limit?} → BusDeadLetterView[]. */
  deadLettersList: 'msec.bus.dead-letters.list',
  /** Dead letters of one message id: {msgId, group?} → BusDeadLetterView[]. */
  deadLettersInspect: 'msec.bus.dead-letters.inspect',
  /** Re-drive to the group(s) that failed it: {msgId, group?} → {redriven: BusDeadLetterView[]}. */
  deadLettersRedrive: 'msec.bus.dead-letters.redrive',
  /** Delete for good: {msgId, group} → {discarded: number}. */
  deadLettersDiscard: 'msec.bus.dead-letters.discard',
  /** Withdraw a delayed or scheduled message before it is due: {msgId} → BusCancelReply. */
  scheduledCancel: 'msec.bus.scheduled.cancel',
} as const;

/** A withdrawn delayed or scheduled message. */
export interface BusCancelReply {
  msgId: string;
  /** The subject it was published to ('' when an earlier cancel already withdrew it and left no record). */
  subject: string;
  /** When it was due (ISO 8601), null when not known. */
  deliverAt: string | null;
  /** An earlier cancel had already withdrawn it. */
  alreadyCancelled: boolean;
}

/** A publish through the bus API. */
export interface BusPublishRequest {
  subject: string;
  /** Any JSON value. */
  body: unknown;
  tags?: string[];
  /** Deliver after this many ms (at most two years); not with deliverAt. */
  delayMs?: number;
  /** Deliver at this time: ISO 8601 text or epoch ms (at most two years ahead); not with delayMs. */
  deliverAt?: string | number;
  /** De-duplication id (letters, digits, _ and -), generated when omitted. */
  msgId?: string;
}

/** What a publish stored. */
export interface BusPublishReply {
  msgId: string;
  stream: string;
  seq: number;
  duplicate: boolean;
  /** ISO time a delayed message is due, else null. */
  deliverAt: string | null;
}

/** One stream with its counts. */
export interface BusStreamView {
  name: string;
  subjects: string[];
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
  maxAgeMs: number;
}

/** One consumer with its lag. */
export interface BusConsumerView {
  stream: string;
  name: string;
  filterSubject: string;
  /** Not yet delivered (lag). */
  pending: number;
  /** Delivered, not yet acknowledged. */
  ackPending: number;
  redelivered: number;
  durable: boolean;
}

/** A message as the admin API shows it. */
export interface BusMessageView {
  msgId: string;
  subject: string;
  /** Parsed JSON body, or base64 text for raw bytes (then bodyEncoding is 'base64'). */
  body: unknown;
  bodyEncoding: 'json' | 'base64';
  tags: string[];
  producer: string;
  publishedAt: string;
  deliverAt: string | null;
  /** Message headers as stored (de-duplication and dead-letter headers included). */
  headers: Record<string, string>;
}

/** A dead letter: a message that used up its attempts in one consumer group. */
export interface BusDeadLetterView {
  seq: number;
  group: string;
  attempts: number;
  reason: string;
  deadAt: string;
  redriveCount: number;
  message: BusMessageView;
}

/** One step of a message's life (publish, dispatch, delivery attempt, dead letter, re-drive). */
export interface BusTraceStep {
  kind: string;
  at: string;
  subject?: string;
  producer?: string;
  group?: string;
  consumer?: string;
  attempt?: number;
  nextAttemptAt?: string;
  error?: string;
  stream?: string;
  seq?: number;
  lateMs?: number;
}

/** Everything known about one message id. */
export interface BusTraceView {
  msgId: string;
  subject: string | null;
  producer: string | null;
  publishedAt: string | null;
  deliverAt: string | null;
  tags: string[];
  /** Content while a stream still holds it (JSON, or base64 text for raw bytes), else null. */
  body: unknown;
  bodyEncoding: 'json' | 'base64' | null;
  /** Delivery attempts and their outcomes, in order. */
  deliveries: BusTraceStep[];
  /** True while a dead letter is recorded and not re-driven. */
  dead: boolean;
  /** Every step, in order. */
  timeline: BusTraceStep[];
}
