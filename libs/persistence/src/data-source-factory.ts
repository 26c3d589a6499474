import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions, type EntitySchema, type MigrationInterface } from 'typeorm';
import type { DatabaseTarget } from './database-target.js';
import { describeTarget } from './database-target.js';
import { connectFailed } from './persistence.errors.js';

/** A class or schema TypeORM can map. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityDefinition = Function | EntitySchema;
/** A migration class. */
export type MigrationDefinition = new () => MigrationInterface;

/** What a service hands to openDataSource. */
export interface DataSourceSpec {
  target: DatabaseTarget;
  entities: EntityDefinition[];
  migrations: MigrationDefinition[];
  /** Only tests may build the schema from entities; services always migrate. */
  synchronizeForTests?: boolean;
  /** Name used for the migrations table prefix-free log lines. */
  name?: string;
}

/** Builds TypeORM options for the target; SQLite runs in WAL mode so readers never block the writer. */
export function dataSourceOptions(spec: DataSourceSpec): DataSourceOptions {
  const common = {
    entities: spec.entities,
    migrations: spec.migrations,
    synchronize: spec.synchronizeForTests ?? false,
    migrationsRun: false,
    logging: false as const,
  };
  if (spec.target.kind === 'sqlite') {
    if (spec.target.file !== ':memory:') mkdirSync(dirname(spec.target.file), { recursive: true, mode: 0o700 });
    return {
      ...common,
      type: 'better-sqlite3',
      database: spec.target.file,
      enableWAL: true,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('busy_timeout = 5000');
        db.pragma('synchronous = NORMAL');
      },
    };
  }
  return { ...common, type: 'mysql', url: spec.target.url, charset: 'utf8mb4', extra: { connectionLimit: 10 } };
}

/** Opens the database and applies pending migrations; fails with a clear error when it cannot. */
export async function openDataSource(spec: DataSourceSpec): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(spec));
  try {
    await dataSource.initialize();
  } catch (error) {
    throw connectFailed(describeTarget(spec.target), error);
  }
  if (spec.target.kind === 'sqlite' && spec.target.file !== ':memory:') keepPrivate(spec.target.file);
  if (!spec.synchronizeForTests) await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}

/** Users, tokens and audit records live in these files: readable by the owner only (SQLite gives its -wal and -shm files the same mode). */
function keepPrivate(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}

/** True when the database answers a trivial query; used by health checks. */
export async function databaseAnswers(dataSource: DataSource): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  await dataSource.query('SELECT 1');
  return true;
}
