import { EventStreams } from '@msec/contracts';
import { BusStreams, BusSubjects } from '../jetstream/bus-subjects.js';

/** A stream of domain events: its name and the prefix its subjects carry before the catalogue's subject. */
export interface EventSource {
  stream: string;
  subjectPrefix: string;
}

/** The console's event store: every domain event but the audit trail, kept forever. */
export const EVENT_STORE: EventSource = { stream: BusStreams.events, subjectPrefix: BusSubjects.event('') };

/** The gateway's audit trail: one event per mutating call, kept as long as the audit log (its owner makes the stream). */
export const AUDIT_TRAIL: EventSource = { stream: EventStreams.audit, subjectPrefix: EventStreams.auditSubjectPrefix };
