import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { BusStreams, BusSubjects } from './bus-subjects.js';
import { EventStreams, streamReplicas } from '@msec/contracts';
import { ensureStream, type StreamSpec } from './ensure-stream.js';

/** How long each stream keeps data; every field has a default. */
export interface BusRetention {
  /** Business messages (QMQ keeps its message log 72 h). */
  messagesMs?: number;
  /** Dead letters. */
  deadLettersMs?: number;
  /** Trace records: publish and every delivery attempt. */
  traceMs?: number;
  /** JetStream duplicate window of the message and delay streams. */
  duplicateWindowMs?: number;
}

const HOUR = 3_600_000;
/** Retention used when none is configured. */
export const DEFAULT_RETENTION: Required<BusRetention> = {
  messagesMs: 72 * HOUR,
  deadLettersMs: 14 * 24 * HOUR,
  traceMs: 72 * HOUR,
  duplicateWindowMs: 10 * 60_000,
};

/** How long the event feed (the copy automation reads) keeps events. */
export const EVENT_FEED_MAX_AGE_MS = 7 * 24 * HOUR;

function config(name: string, subject: string, maxAgeMs: number, duplicateWindowMs: number): StreamSpec {
  return {
    name,
    subjects: [subject],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(maxAgeMs),
    duplicate_window: nanos(duplicateWindowMs),
    num_replicas: streamReplicas(),
  };
}

/** The stream configurations of the bus for a retention. */
export function busStreamConfigs(retention: BusRetention = {}): StreamSpec[] {
  const r = { ...DEFAULT_RETENTION, ...retention };
  return [
    // Events are the source of truth of the console: no age limit.
    config(BusStreams.events, BusSubjects.eventsAll, 0, 2 * 60_000),
    // The feed is relayed from the event stream (a JetStream source would refuse events appended with expectations).
    config(EventStreams.feed, EventStreams.feedAllSubjects, EVENT_FEED_MAX_AGE_MS, 2 * 60_000),
    config(BusStreams.messages, BusSubjects.messagesAll, r.messagesMs, r.duplicateWindowMs),
    // A relayed copy carries its message id: relayed twice (a relay that died before its ack), it is stored once.
    config(BusStreams.ordered, BusSubjects.orderedAll, r.messagesMs, r.duplicateWindowMs),
    // Delayed records are deleted when dispatched; they may wait two years.
    config(BusStreams.delayed, BusSubjects.delayedAll, 0, r.duplicateWindowMs),
    config(BusStreams.deadLetters, BusSubjects.deadLettersAll, r.deadLettersMs, 2 * 60_000),
    config(BusStreams.trace, BusSubjects.traceAll, r.traceMs, 0),
  ];
}

/**
 * Creates the bus's streams if missing; idempotent. With an explicit `retention`, existing streams get
 * those limits; without one, existing streams keep whatever limits an operator or another process set.
 */
export async function ensureBusStreams(jsm: JetStreamManager, retention?: BusRetention): Promise<void> {
  for (const cfg of busStreamConfigs(retention)) await ensureStream(jsm, cfg, retention === undefined ? 'keep-limits' : 'apply');
}
