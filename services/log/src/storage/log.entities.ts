import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ProjectionCheckpointEntity } from '@msec/bus';

/** bigint columns come back as strings from MySQL; epoch milliseconds and field keys fit a JS number. */
const epochMs = { to: (v: number | undefined) => v, from: (v: string | number | null) => (v === null ? null : Number(v)) };

/**
 * One stored log line. Indexes serve the newest-first searches by time, service, host, level and trace. The
 * decorators describe the SQLite schema; on MySQL/MariaDB the migrations cluster the table on (ts, id) instead
 * of id and drop the ts index (see LogIngestIndexes1763771000000).
 */
@Entity('log_line')
@Index('IDX_log_line_ts', ['ts'])
@Index('IDX_log_line_service_ts', ['service', 'ts'])
@Index('IDX_log_line_host_ts', ['host', 'ts'])
@Index('IDX_log_line_level_ts', ['level', 'ts'])
@Index('IDX_log_line_trace_ts', ['traceId', 'ts'])
export class LogLineEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id!: string;

  @Column({ type: 'bigint', transformer: epochMs })
  ts!: number;

  @Column({ type: 'smallint' })
  level!: number;

  @Column({ type: 'varchar', length: 128 })
  service!: string;

  @Column({ type: 'varchar', length: 128 })
  host!: string;

  @Column({ type: 'varchar', length: 160 })
  instance!: string;

  @Column({ name: 'trace_id', type: 'varchar', length: 64, nullable: true })
  traceId!: string | null;

  @Column({ name: 'span_id', type: 'varchar', length: 32, nullable: true })
  spanId!: string | null;

  @Column({ type: 'text' })
  message!: string;

  /** JSON of every user field, as logged. */
  @Column({ type: 'text' })
  fields!: string;
}

/**
 * One user field of a line, for `field = value` searches: the hashed pair (fieldKey of field-key.ts) and the
 * line's primary key, which is also this table's key, so a search walks `(field_key, ts)` newest first and joins
 * the line without reading any other row. The name and value themselves live in the line's `fields` JSON.
 */
@Entity('log_field_key')
export class LogFieldKeyEntity {
  @PrimaryColumn({ name: 'field_key', type: 'bigint', transformer: epochMs })
  fieldKey!: number;

  @PrimaryColumn({ type: 'bigint', transformer: epochMs })
  ts!: number;

  @PrimaryColumn({ name: 'line_id', type: 'varchar', length: 32 })
  lineId!: string;
}

/** One RPC call. */
@Entity('log_span')
@Index('IDX_log_span_trace', ['traceId'])
@Index('IDX_log_span_start', ['start'])
export class SpanEntity {
  @PrimaryColumn({ name: 'span_id', type: 'varchar', length: 32 })
  spanId!: string;

  @Column({ name: 'trace_id', type: 'varchar', length: 64 })
  traceId!: string;

  @Column({ name: 'parent_span_id', type: 'varchar', length: 32, nullable: true })
  parentSpanId!: string | null;

  @Column({ type: 'varchar', length: 128 })
  caller!: string;

  @Column({ type: 'varchar', length: 128 })
  callee!: string;

  @Column({ type: 'varchar', length: 255 })
  method!: string;

  @Column({ type: 'bigint', transformer: epochMs })
  start!: number;

  @Column({ type: 'double' })
  duration!: number;

  @Column({ type: 'varchar', length: 8 })
  status!: string;

  @Column({ name: 'error_code', type: 'varchar', length: 128, nullable: true })
  errorCode!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  host!: string | null;
}

/** One colouring rule: a projection of `log.ColourRule*` events, mirrored to the KV bucket the SDKs watch. */
@Entity('log_colour_rule')
export class ColourRuleEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  field!: string;

  @Column({ type: 'varchar', length: 255 })
  value!: string;

  @Column({ name: 'expires_at', type: 'bigint', nullable: true, transformer: epochMs })
  expiresAt!: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt!: number;
}

/** One service's trace sampling set from the console: a projection of `log.TraceSampling*` events. */
@Entity('log_trace_sampling')
export class TraceSamplingEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  service!: string;

  @Column({ type: 'double' })
  rate!: number;

  @Column({ name: 'max_per_second', type: 'int' })
  maxPerSecond!: number;
}

/** A named counter kept across restarts (the drop counters and the time they count from). */
@Entity('log_counter')
export class LogCounterEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'bigint', transformer: epochMs })
  value!: number;
}

/** Every entity of the log service. */
export const LOG_ENTITIES = [
  LogLineEntity,
  LogFieldKeyEntity,
  SpanEntity,
  ColourRuleEntity,
  LogCounterEntity,
  TraceSamplingEntity,
  ProjectionCheckpointEntity,
];
