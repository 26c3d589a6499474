import type { DataSource, QueryRunner } from 'typeorm';
import { FIELD_NAME_MAX, FieldKeyCache, fieldText } from '../storage/field-key.js';
import { yieldToIo } from '../storage/yield-to-io.js';

/** Rows removed by one purge. */
export interface PurgeResult {
  before: number;
  lines: number;
  fields: number;
  spans: number;
}

const DAY_MS = 24 * 3600_000;
/** Lines per purge step: short lock times on InnoDB, bounded statements on both databases. */
const LINES_PER_STEP = 2000;
const SPANS_PER_STEP = 20_000;

/** The cutoff of a retention of `days`: everything logged before it goes. */
export function retentionCutoff(days: number, now = Date.now()): number {
  return now - days * DAY_MS;
}

async function affected(runner: QueryRunner, sql: string, values: unknown[]): Promise<number> {
  return (await runner.query(sql, values, true)).affected ?? 0;
}

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(',');

/**
 * Deletes the oldest lines before `before` a step at a time, each with its field keys: the keys are those of the
 * step's lines' fields (as the writer computed them), deleted through the `(field_key, ts)` primary key, so a purge
 * costs in proportion to what it removes, not to the size of the tables.
 */
async function purgeLines(runner: QueryRunner, before: number): Promise<{ lines: number; fields: number }> {
  const keys = new FieldKeyCache();
  let lines = 0;
  let fields = 0;
  for (;;) {
    const rows = (await runner.query(`SELECT id, ts, fields FROM log_line WHERE ts < ? ORDER BY ts, id LIMIT ${LINES_PER_STEP}`, [
      before,
    ])) as Array<{ id: string; ts: number | string; fields: string }>;
    if (rows.length === 0) return { lines, fields };
    const stepKeys = new Set<number>();
    for (const row of rows) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(row.fields);
      } catch {
        continue;
      }
      if (typeof parsed !== 'object' || parsed === null) continue;
      for (const [name, value] of Object.entries(parsed))
        if (name.length > 0 && name.length <= FIELD_NAME_MAX) stepKeys.add(keys.key(name, fieldText(value)));
    }
    const first = Number(rows[0]!.ts);
    const last = Number(rows[rows.length - 1]!.ts);
    const ids = rows.map((r) => r.id);
    // Keys first, then lines, each statement on its own (on SQLite the writer shares the one connection and its
    // transactions): a step cut short leaves lines without keys, which the next purge deletes.
    if (stepKeys.size > 0) {
      // These keys up to the step's last ts: the step's rows, plus those of older or same-ms lines this step
      // did not select (they go in a later step anyway), found through the primary key.
      fields += await affected(runner, `DELETE FROM log_field_key WHERE field_key IN (${placeholders(stepKeys.size)}) AND ts <= ?`, [
        ...stepKeys,
        last,
      ]);
    }
    const removed = await affected(runner, `DELETE FROM log_line WHERE ts >= ? AND ts <= ? AND id IN (${placeholders(ids.length)})`, [
      first,
      last,
      ...ids,
    ]);
    lines += removed;
    // Stop rather than spin if these lines were removed meanwhile.
    if (removed === 0) return { lines, fields };
    await yieldToIo();
  }
}

/** Deletes lines with their field keys, and spans, older than `before` (epoch ms). */
export async function purgeOlderThan(dataSource: DataSource, before: number): Promise<PurgeResult> {
  const runner = dataSource.createQueryRunner();
  try {
    const { lines, fields } = await purgeLines(runner, before);
    let spans = 0;
    for (;;) {
      const rows = (await runner.query(`SELECT span_id FROM log_span WHERE start < ? ORDER BY start LIMIT ${SPANS_PER_STEP}`, [
        before,
      ])) as Array<{
        span_id: string;
      }>;
      if (rows.length === 0) break;
      spans += await affected(
        runner,
        `DELETE FROM log_span WHERE span_id IN (${placeholders(rows.length)})`,
        rows.map((r) => r.span_id),
      );
      await yieldToIo();
    }
    return { before, lines, fields, spans };
  } finally {
    await runner.release();
  }
}
