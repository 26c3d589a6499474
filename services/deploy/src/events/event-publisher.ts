import { NATS_CONNECTION } from '@msec/platform';
import { Logger, Injectable, Inject } from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/** Where the deploy service's events go; one method so the JetStream bus (libs/bus) can replace it later. */
export interface EventPublisher {
  publish(subject: string, event: object): void;
}

/**
 * Publishes events into the deploy events stream (JetStream acks them); live subscribers on core NATS see
 * them too. A failed publish is logged, never thrown into the release that emitted it.
 */
@Injectable()
export class JetStreamEventPublisher implements EventPublisher {
  private readonly logger = new Logger('deploy-events');
  private readonly js: JetStreamClient;

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {
    this.js = jetstream(nc, { timeout: 2_000 });
  }

  publish(subject: string, event: object): void {
    if (this.nc.isClosed()) return;
    this.js
      .publish(subject, JSON.stringify(event))
      .catch((error: unknown) => this.logger.warn(`event ${subject} not stored: ${String(error)}`));
  }
}
