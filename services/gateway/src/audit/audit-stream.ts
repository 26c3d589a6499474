import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ensureStream } from '@msec/bus';
import { EventStreams } from '@msec/contracts';
import type { AuditRetention } from './audit-pruner.js';

const DAY_MS = 86_400_000;
/**
 * The stream keeps this much more than the audit log (a day, and this many entries), so the projection never misses an
 * entry while it catches up; what is past the log's own limits the pruner removes, after a rebuild too.
 */
export const AUDIT_STREAM_HEADROOM_ENTRIES = 10_000;

/** Creates (or brings to the configured retention) the audit stream: one event per mutating call, bounded by age and count. */
export async function ensureAuditStream(nc: NatsConnection, retention: AuditRetention): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await ensureStream(
    jsm,
    {
      name: EventStreams.audit,
      subjects: [EventStreams.auditAllSubjects],
      max_age: nanos((retention.retentionDays + 1) * DAY_MS),
      max_msgs: retention.maxEntries + AUDIT_STREAM_HEADROOM_ENTRIES,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(2 * 60_000),
    },
    'apply',
  );
}
