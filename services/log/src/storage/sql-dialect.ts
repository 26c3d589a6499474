import type { DataSource } from 'typeorm';

/** The two SQL stores the service runs on. */
export const Dialect = { sqlite: 'sqlite', mysql: 'mysql' } as const;
/** One of Dialect. */
export type Dialect = (typeof Dialect)[keyof typeof Dialect];

/** Which dialect a DataSource speaks. */
export function dialectOf(dataSource: DataSource): Dialect {
  return dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb' ? Dialect.mysql : Dialect.sqlite;
}

/** `INSERT … ` that skips rows whose primary key exists: the service-side de-duplication. */
export function insertIgnore(dialect: Dialect): string {
  return dialect === Dialect.mysql ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO';
}

/** One multi-row INSERT statement with `?` placeholders (both drivers use them) for rows of `columns.length` values. */
export function multiRowInsert(dialect: Dialect, table: string, columns: readonly string[], rows: number): string {
  const tuple = `(${columns.map(() => '?').join(',')})`;
  return `${insertIgnore(dialect)} ${table} (${columns.join(',')}) VALUES ${Array.from({ length: rows }, () => tuple).join(',')}`;
}
