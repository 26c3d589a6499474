import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { ensureConsumer, ensureStream } from '@msec/bus/jetstream';
import { LOG_INGEST_CONSUMER, LOG_INGEST_STREAM, LogSubjects } from '@msec/contracts';

/**
 * Creates (or updates) the ingest stream on file storage with a 10-minute duplicate window, and the service's
 * durable pull consumer. Ack-all: the writer acknowledges the last message of each stored batch. The stream holds at
 * most `maxBytes`: when producers outrun the log service it discards its oldest messages (publishers are never
 * refused or slowed), and the consumer counts what it never saw.
 */
export async function ensureIngestStream(nc: NatsConnection, maxBytes: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  // The size cap is the log service's configuration: an existing stream is brought to it.
  await ensureStream(
    jsm,
    {
      name: LOG_INGEST_STREAM,
      subjects: [LogSubjects.ingestAll],
      duplicate_window: nanos(10 * 60_000),
      // Lines wait here only until the log service stores them; a day covers a long outage of the service.
      max_age: nanos(24 * 3600_000),
      max_bytes: maxBytes,
      discard: DiscardPolicy.Old,
    },
    'apply',
  );
  await ensureConsumer(jsm, LOG_INGEST_STREAM, {
    durable_name: LOG_INGEST_CONSUMER,
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(60_000),
    max_ack_pending: 20_000,
  });
}
