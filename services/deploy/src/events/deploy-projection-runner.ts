import type { Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DataSource } from 'typeorm';
import { ProjectionRunner, type DomainEvent, type Projection } from '@msec/bus';

/** How long an unacknowledged event waits before another deploy process sharing the read model gets it. */
const PROJECTION_ACK_WAIT_MS = 5_000;

/** The runner of one of deploy's read models: every one is configured alike and logs its failures under its owner. */
export function deployProjectionRunner<TEvent extends DomainEvent>(
  nc: NatsConnection,
  dataSource: DataSource,
  projection: Projection<TEvent>,
  logger: Logger,
): ProjectionRunner<TEvent> {
  return new ProjectionRunner(nc, dataSource, projection, {
    ackWaitMs: PROJECTION_ACK_WAIT_MS,
    onError: (error) => logger.error(`projection: ${error instanceof Error ? error.message : String(error)}`),
  });
}
