import { AckPolicy, DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ensureConsumer, ensureStream } from '@msec/bus/jetstream';
import { DeploySubjects, DeployStreams } from '@msec/contracts';

const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;

/**
 * Creates the deploy events stream and the audit consumer if missing; idempotent. A stream made before the agent
 * subjects carried the host id moves to the current subjects.
 */
export async function ensureDeployStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, {
    name: DeployStreams.events,
    subjects: [...DeployStreams.eventSubjects],
    max_age: nanos(THIRTY_DAYS_MS),
    duplicate_window: nanos(2 * 60_000),
  });
  await ensureConsumer(jsm, DeployStreams.events, {
    durable_name: DeployStreams.auditConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: DeploySubjects.agentAuditAll,
    ack_wait: nanos(30_000),
  });
}
