import {
  LogLevel,
  LOG_LEVEL_NAMES,
  type FieldFilter,
  type LogFieldValue,
  type LogLevelName,
  type LogLine,
  type LogPage,
} from '@msec/contracts';
import { Injectable } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { Dialect, dialectOf } from '../storage/sql-dialect.js';
import { fieldKey, fieldText } from '../storage/field-key.js';
import { LogFieldKeyEntity, LogLineEntity } from '../storage/log.entities.js';
import { encodeCursor, likeContains, type ValidLogQuery } from './log-query.domain.js';

const levelName = (rank: number): LogLevelName => LOG_LEVEL_NAMES.find((name) => LogLevel[name] === rank) ?? 'INFO';

function toLine(row: LogLineEntity): LogLine {
  let fields: Record<string, LogFieldValue> = {};
  try {
    fields = JSON.parse(row.fields) as Record<string, LogFieldValue>;
  } catch {
    // stored by an older writer: no fields
  }
  const line: LogLine = {
    id: row.id,
    ts: row.ts,
    level: levelName(row.level),
    service: row.service,
    host: row.host,
    instance: row.instance,
    message: row.message,
    fields,
  };
  if (row.traceId) line.traceId = row.traceId;
  if (row.spanId) line.spanId = row.spanId;
  return line;
}

function hasFields(line: LogLine, fields: readonly FieldFilter[]): boolean {
  return fields.every((f) => Object.hasOwn(line.fields, f.name) && fieldText(line.fields[f.name]) === f.value);
}

/** Runs validated searches with bound parameters only: newest first, keyset-paged on (ts, id). */
@Injectable()
export class LogQueryRepository {
  private readonly mysql: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.mysql = dialectOf(dataSource) === Dialect.mysql;
  }

  /**
   * A service + level search on MySQL/MariaDB whose every filter is in `(service, ts, id, level)`: MariaDB's
   * optimizer would range over `(level, ts)` and sort every match, or read each row of the service to check its level.
   */
  private levelWithinService(q: ValidLogQuery): boolean {
    return (
      this.mysql &&
      q.service !== undefined &&
      (q.levels !== undefined || q.minLevel !== undefined) &&
      q.traceId === undefined &&
      q.host === undefined &&
      q.instance === undefined &&
      q.text === undefined &&
      q.fields.length === 0
    );
  }

  /** Two steps: the page's (ts, id) keys from the covering index newest first, then those rows by primary key. */
  private async pageByIndexKeys(qb: SelectQueryBuilder<LogLineEntity>, limit: number): Promise<LogLineEntity[]> {
    const keys = await qb
      .select(['l.ts', 'l.id'])
      .useIndex('IDX_log_line_service_ts')
      .orderBy('l.ts', 'DESC')
      .addOrderBy('l.id', 'DESC')
      .limit(limit)
      .getRawMany<{ l_ts: number | string; l_id: string }>();
    if (keys.length === 0) return [];
    // Ids are unique, so ts IN (…) AND id IN (…) selects exactly these rows, through the (ts, id) primary key.
    return this.dataSource
      .getRepository(LogLineEntity)
      .createQueryBuilder('l')
      .where('l.ts IN (:...keyTs)', { keyTs: [...new Set(keys.map((k) => Number(k.l_ts)))] })
      .andWhere('l.id IN (:...keyIds)', { keyIds: keys.map((k) => k.l_id) })
      .orderBy('l.ts', 'DESC')
      .addOrderBy('l.id', 'DESC')
      .getMany();
  }

  async search(query: ValidLogQuery): Promise<LogPage> {
    const qb = this.dataSource.getRepository(LogLineEntity).createQueryBuilder('l');
    query.fields.forEach((field, i) => {
      qb.innerJoin(LogFieldKeyEntity, `f${i}`, `f${i}.fieldKey = :fk${i} AND f${i}.ts = l.ts AND f${i}.lineId = l.id`, {
        [`fk${i}`]: fieldKey(field.name, field.value),
      });
    });
    if (query.from !== undefined) qb.andWhere('l.ts >= :from', { from: query.from });
    if (query.to !== undefined) qb.andWhere('l.ts < :to', { to: query.to });
    if (query.service !== undefined) qb.andWhere('l.service = :service', { service: query.service });
    if (query.host !== undefined) qb.andWhere('l.host = :host', { host: query.host });
    if (query.instance !== undefined) qb.andWhere('l.instance = :instance', { instance: query.instance });
    if (query.traceId !== undefined) qb.andWhere('l.traceId = :traceId', { traceId: query.traceId });
    if (query.levels !== undefined) qb.andWhere('l.level IN (:...levels)', { levels: query.levels.map((l) => LogLevel[l]) });
    if (query.minLevel !== undefined) qb.andWhere('l.level >= :minLevel', { minLevel: LogLevel[query.minLevel] });
    if (query.text !== undefined) qb.andWhere("l.message LIKE :text ESCAPE '!'", { text: likeContains(query.text) });
    if (query.after !== undefined)
      qb.andWhere('(l.ts < :afterTs OR (l.ts = :afterTs AND l.id < :afterId))', { afterTs: query.after.ts, afterId: query.after.id });
    const rows = this.levelWithinService(query)
      ? await this.pageByIndexKeys(qb, query.limit + 1)
      : await qb
          .orderBy('l.ts', 'DESC')
          .addOrderBy('l.id', 'DESC')
          .limit(query.limit + 1)
          .getMany();
    const lines = rows.slice(0, query.limit).map(toLine);
    // Field keys are hashes: re-check the fields themselves (a collision, at odds of about 10^-15, shortens the page).
    const page: LogPage = { lines: query.fields.length === 0 ? lines : lines.filter((line) => hasFields(line, query.fields)) };
    if (rows.length > query.limit) {
      const last = rows[query.limit - 1]!;
      page.nextCursor = encodeCursor(last.ts, last.id);
    }
    return page;
  }
}
