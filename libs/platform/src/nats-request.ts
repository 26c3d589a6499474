import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { MsecError, isErrorPayload } from '@msec/contracts';

/** The reply envelope NestJS's NATS transport sends back. */
interface NestReply {
  id?: string;
  response?: unknown;
  err?: unknown;
  isDisposed?: boolean;
}

/**
 * Request/reply with a NestJS microservice over NATS: wraps data in Nest's envelope, waits up to timeoutMs,
 * and turns an error reply back into the typed MsecError it was.
 */
export async function natsRequest<T>(nc: NatsConnection, subject: string, data: unknown, timeoutMs = 5000): Promise<T> {
  let reply;
  try {
    reply = await nc.request(subject, JSON.stringify({ id: randomUUID(), pattern: subject, data }), { timeout: timeoutMs });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const noResponders = /no responders|503/i.test(message);
    throw new MsecError(
      noResponders ? 'NATS_NO_RESPONDERS' : 'NATS_TIMEOUT',
      `${subject}: ${noResponders ? 'no service answers this subject' : `no reply within ${timeoutMs} ms`}`,
      {
        status: noResponders ? 503 : 504,
        retryable: true,
        data: { subject },
        cause: error,
      },
    );
  }
  const body = reply.json<NestReply>();
  if (body.err !== undefined && body.err !== null) {
    if (isErrorPayload(body.err)) throw MsecError.fromPayload(body.err);
    const text = typeof body.err === 'string' ? body.err : JSON.stringify(body.err);
    throw new MsecError('REMOTE_ERROR', `${subject}: ${text}`, { status: 502, data: { subject } });
  }
  return body.response as T;
}
