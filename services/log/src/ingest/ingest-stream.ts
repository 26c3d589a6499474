import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, DiscardPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import { LOG_INGEST_CONSUMER, LOG_INGEST_STREAM, LogSubjects, streamReplicas } from '@msec/contracts';

const NANOS_PER_MS = 1_000_000;

/**
 * Creates (or updates) the ingest stream on file storage with a 10-minute duplicate window, and the service's
 * durable pull consumer. Ack-all: the writer acknowledges the last message of each stored batch. The stream holds at
 * most `maxBytes`: when producers outrun the log service it discards its oldest messages (publishers are never
 * refused or slowed), and the consumer counts what it never saw.
 */
export async function ensureIngestStream(nc: NatsConnection, maxBytes: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: LOG_INGEST_STREAM,
    subjects: [LogSubjects.ingestAll],
    storage: StorageType.File,
    duplicate_window: 10 * 60_000 * NANOS_PER_MS,
    // Lines wait here only until the log service stores them; a day covers a long outage of the service.
    max_age: 24 * 3600_000 * NANOS_PER_MS,
    max_bytes: maxBytes,
    discard: DiscardPolicy.Old,
    num_replicas: streamReplicas(),
  };
  try {
    await jsm.streams.info(LOG_INGEST_STREAM);
    await jsm.streams.update(LOG_INGEST_STREAM, config);
  } catch {
    await jsm.streams.add(config);
  }
  const consumer = {
    durable_name: LOG_INGEST_CONSUMER,
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 60_000 * NANOS_PER_MS,
    max_ack_pending: 20_000,
  };
  try {
    await jsm.consumers.info(LOG_INGEST_STREAM, LOG_INGEST_CONSUMER);
  } catch {
    await jsm.consumers.add(LOG_INGEST_STREAM, consumer);
  }
}
