import { LogLevel, LOG_LEVEL_NAMES, SpanStatus, type LogLine, type SpanRecord } from '@msec/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { serialTransaction } from '@msec/persistence';
import { Dialect, dialectOf, multiRowInsert } from '../storage/sql-dialect.js';
import { FIELD_NAME_MAX, FieldKeyCache, fieldText } from '../storage/field-key.js';

const LINE_COLUMNS = ['id', 'ts', 'level', 'service', 'host', 'instance', 'trace_id', 'span_id', 'message', 'fields'] as const;
const FIELD_KEY_COLUMNS = ['field_key', 'ts', 'line_id'] as const;
const SPAN_COLUMNS = [
  'span_id',
  'trace_id',
  'parent_span_id',
  'caller',
  'callee',
  'method',
  'start',
  'duration',
  'status',
  'error_code',
  'host',
] as const;
/** Most rows in one statement: 2,048 × 11 columns stays under SQLite's (32,766) and MySQL's (65,535) placeholder limits. */
const MAX_ROWS_PER_STATEMENT = 2048;

const cut = (value: unknown, length: number): string => String(value ?? '').slice(0, length);
const optional = (value: unknown, length: number): string | null =>
  value === undefined || value === null || value === '' ? null : cut(value, length);

/** Checks the shape of a line from the stream; a malformed one is skipped rather than blocking the stream. */
export function isLogLine(value: unknown): value is LogLine {
  const v = value as Partial<LogLine> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.id === 'string' &&
    v.id.length > 0 &&
    v.id.length <= 32 &&
    typeof v.ts === 'number' &&
    typeof v.level === 'string' &&
    LOG_LEVEL_NAMES.includes(v.level) &&
    typeof v.service === 'string' &&
    typeof v.message === 'string'
  );
}

/** Checks the shape of a span from the stream. */
export function isSpanRecord(value: unknown): value is SpanRecord {
  const v = value as Partial<SpanRecord> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.spanId === 'string' &&
    v.spanId.length > 0 &&
    v.spanId.length <= 32 &&
    typeof v.traceId === 'string' &&
    typeof v.start === 'number' &&
    typeof v.duration === 'number' &&
    typeof v.caller === 'string' &&
    typeof v.callee === 'string'
  );
}

/** The callback API of a mysql2 connection, as TypeORM holds it. */
interface Mysql2Connection {
  execute(sql: string, values: unknown[], callback: (error: Error | null) => void): void;
}

/** One `field = value` index row: its key and the line's primary key. */
interface FieldKeyRow {
  key: number;
  ts: number;
  lineId: string;
}

const byKeyThenLine = (a: FieldKeyRow, b: FieldKeyRow): number =>
  a.key - b.key || a.ts - b.ts || (a.lineId < b.lineId ? -1 : a.lineId > b.lineId ? 1 : 0);
const byTsThenId = (a: LogLine, b: LogLine): number => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Rows in the statement that carries `rows` rows (at most MAX_ROWS_PER_STATEMENT): the next power of two, so a
 * connection prepares at most a dozen statement texts per table whatever the batch sizes; the spare places repeat
 * the last row, which INSERT IGNORE skips as a duplicate.
 */
export function statementRows(rows: number): number {
  let size = 1;
  while (size < rows) size *= 2;
  return Math.min(size, MAX_ROWS_PER_STATEMENT);
}

/**
 * Writes lines, their field keys and spans in multi-row INSERT IGNOREs (rows whose key is stored already are
 * skipped: the service-side de-duplication). Each table's rows go in primary-key order: InnoDB then fills its
 * pages as in a sequential load instead of splitting them in the middle (a line's fields in the order logged made
 * the old field table 3.6 times its size).
 */
export class LogWriter {
  private readonly dialect: Dialect;
  private readonly keys = new FieldKeyCache();

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  /** Stores lines and spans in one transaction. */
  async write(lines: readonly LogLine[], spans: readonly SpanRecord[]): Promise<void> {
    if (lines.length === 0 && spans.length === 0) return;
    const sorted = [...lines].sort(byTsThenId);
    const lineValues: unknown[] = [];
    const fieldRows: FieldKeyRow[] = [];
    for (const line of sorted) {
      const fields = line.fields && typeof line.fields === 'object' ? line.fields : {};
      const ts = Math.trunc(line.ts);
      lineValues.push(
        line.id,
        ts,
        LogLevel[line.level],
        cut(line.service, 128),
        cut(line.host, 128),
        cut(line.instance, 160),
        optional(line.traceId, 64),
        optional(line.spanId, 32),
        line.message,
        JSON.stringify(fields),
      );
      for (const name in fields) {
        if (name.length === 0 || name.length > FIELD_NAME_MAX) continue;
        fieldRows.push({ key: this.keys.key(name, fieldText(fields[name])), ts, lineId: line.id });
      }
    }
    fieldRows.sort(byKeyThenLine);
    const fieldValues: unknown[] = [];
    for (const row of fieldRows) fieldValues.push(row.key, row.ts, row.lineId);
    const spanValues: unknown[] = [];
    for (const s of spans)
      spanValues.push(
        s.spanId,
        cut(s.traceId, 64),
        optional(s.parentSpanId, 32),
        cut(s.caller, 128),
        cut(s.callee, 128),
        cut(s.method, 255),
        Math.trunc(s.start),
        s.duration,
        s.status === SpanStatus.error ? SpanStatus.error : SpanStatus.ok,
        optional(s.errorCode, 128),
        optional(s.host, 128),
      );
    await serialTransaction(this.dataSource, async (manager) => {
      await this.insert(manager, 'log_line', LINE_COLUMNS, lineValues);
      await this.insert(manager, 'log_field_key', FIELD_KEY_COLUMNS, fieldValues);
      await this.insert(manager, 'log_span', SPAN_COLUMNS, spanValues);
    });
  }

  private async insert(manager: EntityManager, table: string, columns: readonly string[], values: unknown[]): Promise<void> {
    const width = columns.length;
    for (let offset = 0; offset < values.length; offset += MAX_ROWS_PER_STATEMENT * width) {
      const chunk = values.slice(offset, offset + MAX_ROWS_PER_STATEMENT * width);
      const rows = statementRows(chunk.length / width);
      const last = chunk.slice(-width);
      while (chunk.length < rows * width) chunk.push(...last);
      await this.run(manager, multiRowInsert(this.dialect, table, columns, rows), chunk);
    }
  }

  /**
   * On MySQL/MariaDB a server-side prepared statement (mysql2 `execute`, cached per connection and statement
   * text): the server binds typed values instead of parsing thousands of literals per statement.
   */
  private async run(manager: EntityManager, sql: string, values: unknown[]): Promise<void> {
    const connection = (manager.queryRunner as { databaseConnection?: Partial<Mysql2Connection> } | undefined)?.databaseConnection;
    if (this.dialect === Dialect.mysql && typeof connection?.execute === 'function') {
      await new Promise<void>((resolve, reject) => connection.execute!(sql, values, (error) => (error ? reject(error) : resolve())));
      return;
    }
    await manager.query(sql, values);
  }
}
