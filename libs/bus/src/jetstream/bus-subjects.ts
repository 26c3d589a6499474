import { createHash } from 'node:crypto';

/**
 * Stream names, subject prefixes, header names and Redis keys of the bus, defined once.
 * These belong in @msec/contracts; they live here until that package takes them.
 */

/** JetStream streams the bus owns. */
export const BusStreams = {
  /** Domain events of the event-sourced console (file storage, kept until removed). */
  events: 'MSEC_EVENTS',
  /** Business messages (QMQ "real-time" messages). */
  messages: 'MSEC_MQ',
  /** Delayed and scheduled messages waiting for their time; a record is deleted once dispatched. */
  delayed: 'MSEC_MQ_DELAY',
  /** Dead letters, one subject per (group, subject). */
  deadLetters: 'MSEC_MQ_DLQ',
  /** Message trace records (publish, every delivery attempt and its outcome), kept for the retention time. */
  trace: 'MSEC_MQ_TRACE',
  /** Messages of key-ordered subscriptions, relayed into one subject per group partition. */
  ordered: 'MSEC_MQ_ORDERED',
} as const;
/** One of the bus's streams. */
export type BusStreams = (typeof BusStreams)[keyof typeof BusStreams];

/** Subject builders: user subjects are mapped under a prefix per stream. */
export const BusSubjects = {
  eventsAll: 'msec.evt.>',
  event: (subject: string): string => `msec.evt.${subject}`,
  messagesAll: 'msec.mq.>',
  message: (subject: string): string => `msec.mq.${subject}`,
  delayedAll: 'msec.delay.>',
  delayed: (subject: string): string => `msec.delay.${subject}`,
  deadLettersAll: 'msec.dlq.>',
  deadLetter: (group: string, subject: string): string => `msec.dlq.${group}.${subject}`,
  orderedAll: 'msec.mqo.>',
  /** One partition of a key-ordered subscription (`base` is its durable name). */
  ordered: (base: string, partition: number): string => `msec.mqo.${base}.${partition}`,
  traceAll: 'msec.trace.>',
  trace: (msgId: string): string => `msec.trace.${msgId}`,
  /** Batches of publish locations (message id → stream and sequence); four tokens, so never a message id's subject. */
  tracePublishIndex: 'msec.trace.index.published',
} as const;

/** Message headers the bus reads and writes. */
export const BusHeaders = {
  /** JetStream's de-duplication id. */
  natsMsgId: 'Nats-Msg-Id',
  /** JetStream refuses the publish unless this stream stores it. */
  expectedStream: 'Nats-Expected-Stream',
  msgId: 'Msec-Msg-Id',
  tags: 'Msec-Tags',
  /** `json` (body is JSON text) or `raw` (bytes as given). */
  encoding: 'Msec-Encoding',
  producer: 'Msec-Producer',
  publishedAt: 'Msec-Published-At',
  deliverAt: 'Msec-Deliver-At',
  /** Set on a re-driven dead letter: only this group handles it. */
  targetGroup: 'Msec-Target-Group',
  redriveCount: 'Msec-Redrive-Count',
  /** Dead-letter metadata. */
  deadGroup: 'Msec-Dead-Group',
  deadAttempts: 'Msec-Dead-Attempts',
  deadReason: 'Msec-Dead-Reason',
  deadAt: 'Msec-Dead-At',
  /** The ordering key: a key-ordered subscription handles messages of one key one at a time, in order. */
  key: 'Msec-Key',
  /** The subject a message was published to, on its relayed copy in a partition. */
  subject: 'Msec-Subject',
} as const;

/** Redis keys of the delay scheduler and the idempotency helper. */
export const BusRedisKeys = {
  delayDue: (prefix: string): string => `${prefix}:delay:due`,
  delayBody: (prefix: string): string => `${prefix}:delay:body`,
  delayDispatched: (prefix: string, msgId: string): string => `${prefix}:delay:sent:${msgId}`,
  schedulerLeader: (prefix: string): string => `${prefix}:delay:leader`,
  idempotent: (prefix: string, scope: string, msgId: string): string => `${prefix}:idem:${scope}:${msgId}`,
} as const;

/** Durable consumer names the bus creates. */
export const BusConsumers = {
  /** One intake consumer per scheduler deployment (Redis key prefix). */
  schedulerIntake: (prefix: string): string => `msec_delay_intake_${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}`,
  projection: (service: string, projection: string): string => `proj_${service}_${projection}`,
  /** The consumer that copies the event stream to the automation feed. */
  feedRelay: 'feed_relay',
  /** The relay of the audit trail to the feed. */
  auditFeedRelay: 'feed_relay_audit',
  /** A durable name may not hold dots or wildcards; a short hash keeps `a.b` and `a_b` apart. */
  group: (group: string, subject: string): string =>
    `grp_${group}_${subject.replace(/[.*>]/g, '_')}_${createHash('sha1').update(subject).digest('hex').slice(0, 8)}`,
  /** The consumer that relays a key-ordered subscription's messages into its partitions, one at a time. */
  orderedRelay: (base: string): string => `${base}_relay`,
  /** The consumer of one partition of a key-ordered subscription (one message in flight across the group). */
  orderedPartition: (base: string, partition: number): string => `${base}_p${partition}`,
} as const;
