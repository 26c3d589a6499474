import { existsSync, readFileSync } from 'node:fs';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { MsecError, setStreamReplicas } from '@msec/contracts';
import { natsCredsOptions } from '@msec/contracts/nats-creds';
import type { DependencyCheck } from './health.service.js';

/** Injection token of the NatsConnection a service uses for its own publishing and requests. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/** Where NATS is and how to prove who we are: the `nats*` config keys every service, the agent and the SDK share. */
export interface NatsEndpoint {
  natsUrl: string;
  /** Path of a .creds file (user JWT + seed); empty connects without credentials. */
  natsCreds?: string;
  /** PEM CA file that signed the server's certificate; set to use TLS. */
  natsTlsCa?: string;
  /** PEM client certificate and key, when the server asks for one. */
  natsTlsCert?: string;
  natsTlsKey?: string;
  /** Copies of each stream and KV bucket this process creates (1, 3 or 5). */
  streamReplicas?: number;
}

function readPem(file: string, key: string): string {
  if (!existsSync(file)) {
    throw new MsecError('NATS_TLS_INVALID', `${key}: file ${file} does not exist; point it at a PEM file`, { status: 400 });
  }
  return readFileSync(file, 'utf8');
}

/** nats.js options for an endpoint: servers, credentials with the identity's own inbox prefix, and TLS. */
export function natsConnectionOptions(endpoint: NatsEndpoint | string): ConnectionOptions {
  const e: NatsEndpoint = typeof endpoint === 'string' ? { natsUrl: endpoint } : endpoint;
  const options: ConnectionOptions = { servers: e.natsUrl.split(',') };
  if (e.natsCreds) {
    Object.assign(options, natsCredsOptions(e.natsCreds, 'natsCreds (MSEC_NATS_CREDS)'));
  }
  if (e.natsTlsCa || e.natsTlsCert || e.natsTlsKey) {
    if (Boolean(e.natsTlsCert) !== Boolean(e.natsTlsKey)) {
      throw new MsecError(
        'NATS_TLS_INVALID',
        'natsTlsCert (MSEC_NATS_TLS_CERT) and natsTlsKey (MSEC_NATS_TLS_KEY) go together; set both or neither',
        {
          status: 400,
        },
      );
    }
    options.tls = {
      ...(e.natsTlsCa ? { ca: readPem(e.natsTlsCa, 'natsTlsCa (MSEC_NATS_TLS_CA)') } : {}),
      ...(e.natsTlsCert ? { cert: readPem(e.natsTlsCert, 'natsTlsCert (MSEC_NATS_TLS_CERT)') } : {}),
      ...(e.natsTlsKey ? { key: readPem(e.natsTlsKey, 'natsTlsKey (MSEC_NATS_TLS_KEY)') } : {}),
    };
  }
  return options;
}

/** Connects to NATS, retrying forever once connected; fails with a clear error when the first connect fails. */
export async function connectNats(endpoint: NatsEndpoint | string, name: string): Promise<NatsConnection> {
  const options = natsConnectionOptions(endpoint);
  // The streams this process creates get the configured number of copies (checked here: 1, 3 or 5).
  if (typeof endpoint !== 'string' && endpoint.streamReplicas !== undefined) setStreamReplicas(endpoint.streamReplicas);
  const url = typeof endpoint === 'string' ? endpoint : endpoint.natsUrl;
  try {
    return await connect({ ...options, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, timeout: 5000 });
  } catch (error) {
    throw new MsecError(
      'NATS_CONNECT_FAILED',
      `cannot connect to NATS at ${url}: ${error instanceof Error ? error.message : String(error)}; check MSEC_NATS_URL and MSEC_NATS_CREDS`,
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
