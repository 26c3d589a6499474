import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { MsecError } from '@msec/contracts';
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

  /**
   * Like request, but a field the owning service names in its error (`hosts`, `threshold`) is renamed to where the
   * REST caller sent it (`body.hosts`, `query.threshold`), in `data.field` and at the head of the message, so the
   * caller is told about the request they made. `restField` returns undefined to leave an error as it is.
   */
  async requestNamingRestFields<T>(
    subject: string,
    data: unknown,
    restField: (field: string) => string | undefined,
    deadlineMs?: number,
  ): Promise<T> {
    try {
      return await this.request<T>(subject, data, deadlineMs);
    } catch (error) {
      const field = error instanceof MsecError ? error.data?.field : undefined;
      const renamed = typeof field === 'string' ? restField(field) : undefined;
      if (!(error instanceof MsecError) || typeof field !== 'string' || renamed === undefined) throw error;
      const message = error.message.startsWith(`${field}:`) ? `${renamed}${error.message.slice(field.length)}` : error.message;
      throw new MsecError(error.code, message, {
        status: error.status,
        retryable: error.retryable,
        data: { ...error.data, field: renamed },
        cause: error,
      });
    }
  }
}
