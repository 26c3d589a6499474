import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { NATS_CONNECTION, natsRequest } from '@msec/platform';

/** Deadline of a forwarded request unless the route says otherwise: short, since a person is waiting. */
export const DEFAULT_DEADLINE_MS = 3000;

/**
 * How REST controllers reach the owning service: NATS request/reply with a deadline. Errors come back as the
 * owner's MsecError (its status becomes the HTTP status); no responder → 503 NATS_NO_RESPONDERS, deadline → 504 NATS_TIMEOUT.
 */
@Injectable()
export class NatsForwarder {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** Sends `data` to `subject` and waits at most `deadlineMs` for the reply. */
  request<T>(subject: string, data: unknown, deadlineMs: number = DEFAULT_DEADLINE_MS): Promise<T> {
    return natsRequest<T>(this.nc, subject, data, deadlineMs);
  }
}
