import { connect, type NatsConnection } from '@nats-io/transport-node';
import { MsecError } from '@msec/contracts';
import type { DependencyCheck } from './health.service.js';

/** Injection token of the NatsConnection a service uses for its own publishing and requests. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Connects to NATS, retrying forever once connected; fails with a clear error when the first connect fails. */
export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  try {
    return await connect({ servers: url.split(','), name, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 5000 });
  } catch (error) {
    throw new MsecError(
      'NATS_CONNECT_FAILED',
      `cannot connect to NATS at ${url}: ${error instanceof Error ? error.message : String(error)}; check MSEC_NATS_URL`,
      {
        status: 503,
        retryable: true,
        cause: error,
      },
    );
  }
}

/** Health check: NATS is ready when the connection is open and a flush round-trips. */
export function natsCheck(nc: NatsConnection): DependencyCheck {
  return {
    name: 'nats',
    check: async () => {
      if (nc.isClosed()) return false;
      await nc.flush();
      return nc.getServer();
    },
  };
}
