import { SpanStatus, type SpanRecord } from '@msec/contracts';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SpanEntity } from '../storage/log.entities.js';

/** Aggregates of one caller → callee edge, before examples are attached. */
export interface EdgeAggregate {
  caller: string;
  callee: string;
  calls: number;
  errors: number;
  avgMs: number;
  maxMs: number;
}

function toSpan(row: SpanEntity): SpanRecord {
  const span: SpanRecord = {
    traceId: row.traceId,
    spanId: row.spanId,
    caller: row.caller,
    callee: row.callee,
    method: row.method,
    start: row.start,
    duration: Number(row.duration),
    status: row.status === SpanStatus.error ? SpanStatus.error : SpanStatus.ok,
  };
  if (row.parentSpanId) span.parentSpanId = row.parentSpanId;
  if (row.errorCode) span.errorCode = row.errorCode;
  if (row.host) span.host = row.host;
  return span;
}

/** Reads stored spans. */
@Injectable()
export class SpanRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every span of one trace (a trace is small: one span per call). */
  async byTrace(traceId: string, limit = 10_000): Promise<SpanRecord[]> {
    const rows = await this.dataSource
      .getRepository(SpanEntity)
      .createQueryBuilder('s')
      .where('s.traceId = :traceId', { traceId })
      .orderBy('s.start', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map(toSpan);
  }

  /** Calls, errors and latency per caller → callee edge of spans started in [from, to). */
  async edges(from: number, to: number): Promise<EdgeAggregate[]> {
    const rows = await this.dataSource
      .getRepository(SpanEntity)
      .createQueryBuilder('s')
      .select('s.caller', 'caller')
      .addSelect('s.callee', 'callee')
      .addSelect('COUNT(*)', 'calls')
      .addSelect(`SUM(CASE WHEN s.status = :error THEN 1 ELSE 0 END)`, 'errors')
      .addSelect('AVG(s.duration)', 'avgMs')
      .addSelect('MAX(s.duration)', 'maxMs')
      .where('s.start >= :from AND s.start < :to', { from, to, error: SpanStatus.error })
      .groupBy('s.caller')
      .addGroupBy('s.callee')
      .orderBy('calls', 'DESC')
      .getRawMany<Record<string, string | number>>();
    return rows.map((r) => ({
      caller: String(r.caller),
      callee: String(r.callee),
      calls: Number(r.calls),
      errors: Number(r.errors),
      avgMs: Number(r.avgMs),
      maxMs: Number(r.maxMs),
    }));
  }

  /** Recent trace ids of one edge, failed calls first. */
  async exampleTraces(caller: string, callee: string, from: number, to: number, count: number): Promise<string[]> {
    if (count === 0) return [];
    const rows = await this.dataSource
      .getRepository(SpanEntity)
      .createQueryBuilder('s')
      .select('s.traceId', 'traceId')
      .where('s.caller = :caller AND s.callee = :callee AND s.start >= :from AND s.start < :to', { caller, callee, from, to })
      // 'error' sorts before 'ok'.
      .orderBy('s.status', 'ASC')
      .addOrderBy('s.start', 'DESC')
      .limit(count * 4)
      .getRawMany<{ traceId: string }>();
    return [...new Set(rows.map((r) => r.traceId))].slice(0, count);
  }
}
