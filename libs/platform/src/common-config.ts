import { join } from 'node:path';
import { parseDatabaseUrl, type DatabaseTarget } from '@msec/persistence';
import { ConfigType, type ConfigSchema } from './config-schema.js';
import { natsConfigFields } from './nats-config.js';

export { natsConfigFields };

/** Config keys every platform service has: where NATS is and where its own tables live. */
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
