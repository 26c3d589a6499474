import { ConfigType, type ConfigSchema } from './config-schema.js';

/** Where NATS is and as whom to connect: shared by every platform service and the agent. */
export const natsConfigFields = {
  natsUrl: {
    type: ConfigType.url,
    env: 'MSEC_NATS_URL',
    default: 'nats://127.0.0.1:4222',
    values: ['nats:'],
    description: 'NATS server(s), comma-separated',
  },
  natsCreds: {
    type: ConfigType.string,
    env: 'MSEC_NATS_CREDS',
    default: '',
    description: 'NATS .creds file (user JWT + seed) of this identity; empty connects without credentials',
  },
  natsTlsCa: {
    type: ConfigType.string,
    env: 'MSEC_NATS_TLS_CA',
    default: '',
    description: 'PEM CA of the NATS server certificate; set to use TLS',
  },
  natsTlsCert: {
    type: ConfigType.string,
    env: 'MSEC_NATS_TLS_CERT',
    default: '',
    description: 'PEM client certificate for NATS (with natsTlsKey)',
  },
  natsTlsKey: { type: ConfigType.string, env: 'MSEC_NATS_TLS_KEY', default: '', description: 'PEM client key for NATS (with natsTlsCert)' },
  streamReplicas: {
    type: ConfigType.integer,
    env: 'MSEC_STREAM_REPLICAS',
    default: 1,
    min: 1,
    max: 5,
    description: 'servers keeping a copy of each JetStream stream and KV bucket: 1, or 3 or 5 with a NATS cluster',
  },
} as const satisfies ConfigSchema;
