import { nanos } from '@nats-io/transport-node';
import { RetentionPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { ensureStream } from '@msec/bus/jetstream';
import { MONITOR_STATS_STREAM } from '@msec/contracts';

/** Creates the telemetry stream (file storage, limits retention, duplicate window) unless it already exists. */
export async function ensureStatsStream(jsm: JetStreamManager): Promise<void> {
  await ensureStream(jsm, {
    name: MONITOR_STATS_STREAM.name,
    subjects: [...MONITOR_STATS_STREAM.subjects],
    retention: RetentionPolicy.Limits,
    max_age: nanos(MONITOR_STATS_STREAM.maxAgeHours * 3600_000),
    duplicate_window: nanos(MONITOR_STATS_STREAM.duplicateWindowSeconds * 1000),
  });
}
