import { AckPolicy, DeliverPolicy, StorageType, jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, DeployStreams, scaleStreamReplicas, streamReplicas } from '@msec/contracts';

const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;

/** Creates the deploy events stream and the audit consumer if missing; idempotent. */
export async function ensureDeployStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  let info;
  try {
    info = await jsm.streams.info(DeployStreams.events);
  } catch {
    info = undefined;
  }
  if (info !== undefined) {
    // Streams made before the agent subjects carried the host id: move them to the current subjects.
    const wanted = [...DeployStreams.eventSubjects];
    if (info.config.subjects?.join(',') !== wanted.join(',')) await jsm.streams.update(DeployStreams.events, { subjects: wanted });
    await scaleStreamReplicas(jsm, DeployStreams.events);
  } else {
    await jsm.streams.add({
      name: DeployStreams.events,
      subjects: [...DeployStreams.eventSubjects],
      storage: StorageType.File,
      max_age: nanos(THIRTY_DAYS_MS),
      duplicate_window: nanos(2 * 60_000),
      num_replicas: streamReplicas(),
    });
  }
  try {
    await jsm.consumers.info(DeployStreams.events, DeployStreams.auditConsumer);
  } catch {
    await jsm.consumers.add(DeployStreams.events, {
      durable_name: DeployStreams.auditConsumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: DeploySubjects.agentAuditAll,
      ack_wait: nanos(30_000),
    });
  }
}
