import { nanos } from '@nats-io/transport-node';
import { RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { MONITOR_STATS_STREAM, scaleStreamReplicas, streamReplicas } from '@msec/contracts';

/** Creates the telemetry stream (file storage, limits retention, duplicate window) unless it already exists. */
export async function ensureStatsStream(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.streams.info(MONITOR_STATS_STREAM.name);
    await scaleStreamReplicas(jsm, MONITOR_STATS_STREAM.name);
    return;
  } catch {
    // Missing: create it below. Another process may win the race; adding an identical config is accepted.
  }
  await jsm.streams.add({
    name: MONITOR_STATS_STREAM.name,
    subjects: [...MONITOR_STATS_STREAM.subjects],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(MONITOR_STATS_STREAM.maxAgeHours * 3600_000),
    duplicate_window: nanos(MONITOR_STATS_STREAM.duplicateWindowSeconds * 1000),
    num_replicas: streamReplicas(),
  });
}
