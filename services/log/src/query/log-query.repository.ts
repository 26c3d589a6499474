import { LogLevel, LOG_LEVEL_NAMES, type LogFieldValue, type LogLevelName, type LogLine, type LogPage } from '@msec/contracts';
import type { DataSource } from 'typeorm';
import { LogFieldEntity, LogLineEntity } from '../storage/log.entities.js';
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

/** Runs validated searches with bound parameters only: newest first, keyset-paged on (ts, id). */
export class LogQueryRepository {
  constructor(private readonly dataSource: DataSource) {}

  async search(query: ValidLogQuery): Promise<LogPage> {
    const qb = this.dataSource.getRepository(LogLineEntity).createQueryBuilder('l');
    query.fields.forEach((field, i) => {
      qb.innerJoin(LogFieldEntity, `f${i}`, `f${i}.lineId = l.id AND f${i}.name = :fn${i} AND f${i}.value = :fv${i}`, {
        [`fn${i}`]: field.name,
        [`fv${i}`]: field.value,
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
    const rows = await qb
      .orderBy('l.ts', 'DESC')
      .addOrderBy('l.id', 'DESC')
      .limit(query.limit + 1)
      .getMany();
    const page: LogPage = { lines: rows.slice(0, query.limit).map(toLine) };
    if (rows.length > query.limit) {
      const last = rows[query.limit - 1]!;
      page.nextCursor = encodeCursor(last.ts, last.id);
    }
    return page;
  }
}
