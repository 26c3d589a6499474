/** Database targets: SQLite file by default, MySQL/MariaDB by URL. */
export { parseDatabaseUrl, describeTarget } from './database-target.js';
export type { DatabaseTarget } from './database-target.js';
/** Opening a TypeORM DataSource with migrations applied. */
export { openDataSource, dataSourceOptions, databaseAnswers } from './data-source-factory.js';
export type { DataSourceSpec, EntityDefinition, MigrationDefinition } from './data-source-factory.js';
/** Recognising a unique or primary key violation (a concurrent create of the same key). */
export { isDuplicateKeyError } from './duplicate-key.js';
export { serialTransaction } from './serial-transaction.js';
export { deleteAllRows } from './delete-all-rows.js';
/** Errors raised by this lib. */
export { PersistenceErrorCode, badDatabaseUrl, connectFailed } from './persistence.errors.js';
