import { join } from 'node:path';
import { parseDatabaseUrl, type DatabaseTarget } from '@msec/persistence';
import { ConfigType, type ConfigSchema } from './config-schema.js';

/** Config keys every platform service has: where NATS is and where its own tables live. */
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
} as const satisfies ConfigSchema;

export const commonConfigFields = {
  ...natsConfigFields,
  dbUrl: {
    type: ConfigType.string,
    env: 'MSEC_DB_URL',
    default: '',
    description: 'mysql://user:pass@host:port/db for MySQL/MariaDB; empty for embedded SQLite',
  },
  dataDir: {
    type: ConfigType.string,
    env: 'MSEC_DATA_DIR',
    default: '.msec/data',
    description: 'folder for the embedded SQLite files and snapshots',
  },
} as const satisfies ConfigSchema;

/** The service's database: MySQL when dbUrl is set, else `<dataDir>/<component>.sqlite`. */
export function databaseTargetFor(component: string, config: { dbUrl: string; dataDir: string }): DatabaseTarget {
  return config.dbUrl
    ? parseDatabaseUrl(config.dbUrl, 'dbUrl (MSEC_DB_URL)')
    : { kind: 'sqlite', file: join(config.dataDir, `${component}.sqlite`) };
}
