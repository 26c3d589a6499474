import type { DataSource } from 'typeorm';
import { Dialect, dialectOf } from '../storage/sql-dialect.js';

/** Rows removed by one purge. */
export interface PurgeResult {
  before: number;
  lines: number;
  fields: number;
  spans: number;
}

const DAY_MS = 24 * 3600_000;
const MYSQL_CHUNK = 20_000;

/** The cutoff of a retention of `days`: everything logged before it goes. */
export function retentionCutoff(days: number, now = Date.now()): number {
  return now - days * DAY_MS;
}

/** Runs a DELETE (whose WHERE takes one `?`) until it removes nothing; chunks on MySQL keep InnoDB transactions short. */
async function deleteAll(dataSource: DataSource, statement: string, before: number): Promise<number> {
  if (dialectOf(dataSource) === Dialect.mysql) {
    let total = 0;
    for (;;) {
      const result = (await dataSource.query(`${statement} LIMIT ${MYSQL_CHUNK}`, [before])) as { affectedRows?: number };
      const affected = result.affectedRows ?? 0;
      total += affected;
      if (affected < MYSQL_CHUNK) return total;
    }
  }
  const result = (await dataSource.query(statement, [before])) as unknown;
  // better-sqlite3 through TypeORM reports changes only for some statements; count separately when absent.
  return typeof result === 'object' && result !== null && 'changes' in result ? Number((result as { changes: number }).changes) : -1;
}

async function countOlder(dataSource: DataSource, table: string, column: string, before: number): Promise<number> {
  const rows = (await dataSource.query(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} < ?`, [before])) as Array<{
    n: number | string;
  }>;
  return Number(rows[0]?.n ?? 0);
}

/** Deletes lines, their fields and spans older than `before` (epoch ms); fields go first, found through the lines' ts index. */
export async function purgeOlderThan(dataSource: DataSource, before: number): Promise<PurgeResult> {
  const sqlite = dialectOf(dataSource) === Dialect.sqlite;
  const counts = sqlite
    ? {
        fields: await countOlder(dataSource, 'log_field', 'ts', before),
        lines: await countOlder(dataSource, 'log_line', 'ts', before),
        spans: await countOlder(dataSource, 'log_span', 'start', before),
      }
    : undefined;
  const fields = await deleteAll(dataSource, 'DELETE FROM log_field WHERE line_id IN (SELECT id FROM log_line WHERE ts < ?)', before);
  const lines = await deleteAll(dataSource, 'DELETE FROM log_line WHERE ts < ?', before);
  const spans = await deleteAll(dataSource, 'DELETE FROM log_span WHERE start < ?', before);
  return counts ? { before, ...counts } : { before, lines, fields, spans };
}
