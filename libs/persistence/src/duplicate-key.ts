import { QueryFailedError } from 'typeorm';

/** Driver codes of a unique or primary key violation: SQLite (better-sqlite3) and MySQL/MariaDB. */
const DUPLICATE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'ER_DUP_ENTRY']);

/**
 * True when an insert failed because the key exists. A check-then-insert races with a concurrent request for the
 * same key; callers turn this into their "already exists" conflict instead of an internal error.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DUPLICATE_CODES.has(code);
}
