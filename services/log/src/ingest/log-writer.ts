import { LogLevel, LOG_LEVEL_NAMES, SpanStatus, type LogLine, type SpanRecord } from '@msec/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { Dialect, dialectOf, multiRowInsert } from '../storage/sql-dialect.js';

const LINE_COLUMNS = ['id', 'ts', 'level', 'service', 'host', 'instance', 'trace_id', 'span_id', 'message', 'fields'] as const;
const FIELD_COLUMNS = ['line_id', 'name', 'value', 'ts'] as const;
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
/** Rows per statement: stays well under SQLite's and MySQL's placeholder limits. */
const ROWS_PER_STATEMENT = 1000;

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

/** Writes lines (with their user fields) and spans in multi-row INSERTs; rows whose id is stored already are skipped. */
export class LogWriter {
  private readonly dialect: Dialect;

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  /** Stores lines and spans in one transaction. */
  async write(lines: readonly LogLine[], spans: readonly SpanRecord[]): Promise<void> {
    if (lines.length === 0 && spans.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (let i = 0; i < lines.length; i += ROWS_PER_STATEMENT) {
        const chunk = lines.slice(i, i + ROWS_PER_STATEMENT);
        const lineValues: unknown[] = [];
        const fieldValues: unknown[] = [];
        let fieldRows = 0;
        for (const line of chunk) {
          const fields = line.fields && typeof line.fields === 'object' ? line.fields : {};
          lineValues.push(
            line.id,
            Math.trunc(line.ts),
            LogLevel[line.level],
            cut(line.service, 128),
            cut(line.host, 128),
            cut(line.instance, 160),
            optional(line.traceId, 64),
            optional(line.spanId, 32),
            line.message,
            JSON.stringify(fields),
          );
          for (const [name, value] of Object.entries(fields)) {
            if (name.length === 0 || name.length > 64) continue;
            fieldValues.push(line.id, name, cut(value, 255), Math.trunc(line.ts));
            fieldRows++;
          }
        }
        await this.run(manager, multiRowInsert(this.dialect, 'log_line', LINE_COLUMNS, chunk.length), lineValues);
        for (let r = 0; r < fieldRows; r += ROWS_PER_STATEMENT) {
          const rows = Math.min(ROWS_PER_STATEMENT, fieldRows - r);
          const values = fieldValues.slice(r * FIELD_COLUMNS.length, (r + rows) * FIELD_COLUMNS.length);
          await this.run(manager, multiRowInsert(this.dialect, 'log_field', FIELD_COLUMNS, rows), values);
        }
      }
      for (let i = 0; i < spans.length; i += ROWS_PER_STATEMENT) {
        const chunk = spans.slice(i, i + ROWS_PER_STATEMENT);
        const values = chunk.flatMap((s) => [
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
        ]);
        await this.run(manager, multiRowInsert(this.dialect, 'log_span', SPAN_COLUMNS, chunk.length), values);
      }
    });
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
