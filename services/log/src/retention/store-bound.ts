import { LogLevel, SpanStatus } from '@msec/contracts';
import type { DataSource, QueryRunner } from 'typeorm';
import { FIELD_NAME_MAX, FieldKeyCache, fieldText } from '../storage/field-key.js';
import { yieldToIo } from '../storage/yield-to-io.js';

/** Rows removed to bring the store back under its limits. */
export interface TrimResult {
  lines: number;
  /** Of `lines`, those below WARN (removed first). */
  linesBelowWarn: number;
  fields: number;
  spans: number;
  /** Of `spans`, the successful ones (removed first). */
  okSpans: number;
}

/** Lines per step (as the age purge): short lock times, bounded statements. */
const LINES_PER_STEP = 2000;
const SPANS_PER_STEP = 5000;
/** Field-key rows per DELETE: three placeholders each. */
const KEYS_PER_STATEMENT = 300;

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(',');

async function affected(runner: QueryRunner, sql: string, values: unknown[]): Promise<number> {
  return (await runner.query(sql, values, true)).affected ?? 0;
}

/**
 * Deletes these lines and exactly their own field-key rows (by primary key: lines of other levels with the same
 * fields stay searchable), keys first so an interrupted step leaves no key pointing at nothing.
 */
async function deleteLines(
  runner: QueryRunner,
  keys: FieldKeyCache,
  rows: ReadonlyArray<{ id: string; ts: number | string; fields: string }>,
): Promise<{ lines: number; fields: number }> {
  const keyRows: unknown[][] = [];
  for (const row of rows) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.fields);
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const seen = new Set<number>();
    for (const [name, value] of Object.entries(parsed)) {
      if (name.length === 0 || name.length > FIELD_NAME_MAX) continue;
      const key = keys.key(name, fieldText(value));
      if (!seen.has(key)) keyRows.push([key, Number(row.ts), row.id]);
      seen.add(key);
    }
  }
  let fields = 0;
  for (let i = 0; i < keyRows.length; i += KEYS_PER_STATEMENT) {
    const chunk = keyRows.slice(i, i + KEYS_PER_STATEMENT);
    const where = chunk.map(() => '(field_key = ? AND ts = ? AND line_id = ?)').join(' OR ');
    fields += await affected(runner, `DELETE FROM log_field_key WHERE ${where}`, chunk.flat());
    await yieldToIo();
  }
  const tss = rows.map((r) => Number(r.ts));
  const lines = await affected(runner, `DELETE FROM log_line WHERE ts >= ? AND ts <= ? AND id IN (${placeholders(rows.length)})`, [
    Math.min(...tss),
    Math.max(...tss),
    ...rows.map((r) => r.id),
  ]);
  return { lines, fields };
}

/** Removes up to `count` lines: the oldest below WARN first, then the oldest of any level. */
export async function trimLines(runner: QueryRunner, count: number): Promise<Pick<TrimResult, 'lines' | 'linesBelowWarn' | 'fields'>> {
  const keys = new FieldKeyCache();
  const result = { lines: 0, linesBelowWarn: 0, fields: 0 };
  // `+level`: no index on level for this filter (SQLite would otherwise sort every low-level line on each step);
  // the lines are read in (ts, id) order and the filter applied as they come.
  for (const [filter, lowValue] of [[`+level < ${LogLevel.WARN}`, true] as const, ['1 = 1', false] as const]) {
    while (result.lines < count) {
      const limit = Math.min(LINES_PER_STEP, count - result.lines);
      const rows = (await runner.query(
        `SELECT id, ts, fields, level FROM log_line WHERE ${filter} ORDER BY ts, id LIMIT ${limit}`,
      )) as Array<{
        id: string;
        ts: number | string;
        fields: string;
        level: number | string;
      }>;
      if (rows.length === 0) break;
      const removed = await deleteLines(runner, keys, rows);
      result.lines += removed.lines;
      result.fields += removed.fields;
      result.linesBelowWarn += lowValue ? removed.lines : rows.filter((r) => Number(r.level) < LogLevel.WARN).length;
      if (removed.lines === 0) break;
      await yieldToIo();
    }
  }
  return result;
}

/** Removes up to `count` spans: the oldest successful ones first, then the oldest of any status. */
export async function trimSpans(runner: QueryRunner, count: number): Promise<Pick<TrimResult, 'spans' | 'okSpans'>> {
  const result = { spans: 0, okSpans: 0 };
  for (const okOnly of [true, false]) {
    while (result.spans < count) {
      const limit = Math.min(SPANS_PER_STEP, count - result.spans);
      const rows = (await runner.query(
        `SELECT span_id, status FROM log_span ${okOnly ? 'WHERE status = ?' : ''} ORDER BY start LIMIT ${limit}`,
        okOnly ? [SpanStatus.ok] : [],
      )) as Array<{ span_id: string; status: string }>;
      if (rows.length === 0) break;
      const removed = await affected(
        runner,
        `DELETE FROM log_span WHERE span_id IN (${placeholders(rows.length)})`,
        rows.map((r) => r.span_id),
      );
      result.spans += removed;
      result.okSpans += okOnly ? removed : rows.filter((r) => r.status === SpanStatus.ok).length;
      if (removed === 0) break;
      await yieldToIo();
    }
  }
  return result;
}

/** Rows held now: one full count (run at start and after each age purge, not per check). */
export async function countRows(dataSource: DataSource): Promise<{ lines: number; spans: number }> {
  const [lines] = (await dataSource.query('SELECT COUNT(*) AS n FROM log_line')) as Array<{ n: number | string }>;
  const [spans] = (await dataSource.query('SELECT COUNT(*) AS n FROM log_span')) as Array<{ n: number | string }>;
  return { lines: Number(lines?.n ?? 0), spans: Number(spans?.n ?? 0) };
}
