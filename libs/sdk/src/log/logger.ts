import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { LogLevel, LogSubjects, type ColourRule, type LogFieldValue, type LogLevelName, type LogLine } from '@msec/contracts';
import { ColourRuleSet, ColourRuleWatcher } from './colour-rules.js';
import { badLogOption } from './log.errors.js';
import { LineBudget } from './line-budget.js';
import { newLineId } from './log-ids.js';
import { NatsBatchPublisher, type BatchPublisherStats } from './nats-batch-publisher.js';

/** Options of createLogger. */
export interface LoggerOptions {
  /** Connection used for publishing and for the colouring rules; create it with maxReconnectAttempts: -1. */
  nc: NatsConnection;
  /** Service name, e.g. Flight.mod_flight. */
  service: string;
  /** Default os.hostname(). */
  host?: string;
  /** Default `<host>:<pid>`. */
  instance?: string;
  /** Lines below this level are skipped unless the request is coloured. Default INFO. */
  level?: LogLevelName;
  /** Folder of the spool file. Default `<tmpdir>/msec-log-spool`. */
  spoolDir?: string;
  /** Bound of the spool file. Default 64 MiB. */
  maxSpoolBytes?: number;
  /** Lines per publish round. Default 500. */
  batchSize?: number;
  /** Flush period. Default 100 ms. */
  flushIntervalMs?: number;
  /** Watch the colouring rules bucket. Default true. */
  watchColourRules?: boolean;
  /**
   * Lines below WARN shipped per second, lines of traced or coloured requests not counted (they always go). The rest
   * are counted as suppressed. Default 1,000; 0 ships every line.
   */
  maxLinesPerSecond?: number;
  /** WARN, ERROR and FATAL lines shipped per second. Default 10,000; 0 ships every line. */
  maxWarnLinesPerSecond?: number;
}

/** Default per-second line allowances of a process (see LineBudget). */
export const LINE_BUDGET_DEFAULTS = { linesPerSecond: 1000, warnLinesPerSecond: 10_000 } as const;

/** What the RPC runtime knows about the request being served. */
export interface RequestLogContext {
  traceId?: string;
  spanId?: string;
  /** True when the RPC head says the request is coloured. */
  colour?: boolean;
  /** True when the request is traced: its lines always go, so the trace view shows them. */
  traced?: boolean;
  /** Fields added to every line of this request (e.g. caller, rpc, user name). */
  fields?: Record<string, unknown>;
}

const MAX_MESSAGE_CHARS = 8192;
const MAX_FIELD_CHARS = 1024;

function fieldValue(value: unknown): LogFieldValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > MAX_FIELD_CHARS ? value.slice(0, MAX_FIELD_CHARS) : value;
  if (value instanceof Error) return value.message.slice(0, MAX_FIELD_CHARS);
  try {
    return String(JSON.stringify(value)).slice(0, MAX_FIELD_CHARS);
  } catch {
    return String(value).slice(0, MAX_FIELD_CHARS);
  }
}

/** Adds the loggable fields to `out` (a later call's fields replace an earlier call's of the same name). */
function cleanFields(
  fields: Readonly<Record<string, unknown>> | undefined,
  out: Record<string, LogFieldValue> = {},
): Record<string, LogFieldValue> {
  if (!fields) return out;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key)) continue;
    const v = fieldValue(fields[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Level methods shared by the service logger and request loggers. */
abstract class LevelMethods {
  /** Logs a line at `level` when it passes this logger's threshold or its fields match a colouring rule. */
  abstract log(level: LogLevelName, message: string, fields?: Record<string, unknown>): void;
  trace(message: string, fields?: Record<string, unknown>): void {
    this.log('TRACE', message, fields);
  }
  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('DEBUG', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('INFO', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('WARN', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('ERROR', message, fields);
  }
  fatal(message: string, fields?: Record<string, unknown>): void {
    this.log('FATAL', message, fields);
  }
}

/**
 * The SDK logger: structured lines batched to NATS (spooled to a bounded file while NATS is away), a
 * configured level, and colouring rules watched from the log service.
 */
export class MsecLogger extends LevelMethods {
  /** Colouring rules as last received from the log service. */
  readonly colourRules = new ColourRuleSet();
  private readonly publisher: NatsBatchPublisher<LogLine>;
  private readonly budget: LineBudget;
  private droppedReported = 0;
  private readonly watcher: ColourRuleWatcher | undefined;
  private threshold: number;
  private readonly host: string;
  private readonly instance: string;

  constructor(private readonly options: LoggerOptions) {
    super();
    if (!options.service) throw badLogOption('service', 'give the service name, e.g. "Flight.mod_flight"');
    this.threshold = LogLevel[options.level ?? 'INFO'];
    if (this.threshold === undefined) throw badLogOption('level', `use one of ${Object.keys(LogLevel).join(', ')}`);
    this.budget = new LineBudget({
      linesPerSecond: budgetOption(options.maxLinesPerSecond, 'maxLinesPerSecond', LINE_BUDGET_DEFAULTS.linesPerSecond),
      warnLinesPerSecond: budgetOption(options.maxWarnLinesPerSecond, 'maxWarnLinesPerSecond', LINE_BUDGET_DEFAULTS.warnLinesPerSecond),
    });
    this.host = options.host ?? hostname();
    this.instance = options.instance ?? `${this.host}:${process.pid}`;
    const spoolName = `${options.service}-${this.instance}`.replace(/[^A-Za-z0-9_.-]/g, '_');
    this.publisher = new NatsBatchPublisher<LogLine>(
      {
        nc: options.nc,
        subject: LogSubjects.ingestLines,
        spoolFile: join(options.spoolDir ?? join(tmpdir(), 'msec-log-spool'), `${spoolName}.lines.jsonl`),
        ...(options.maxSpoolBytes === undefined ? {} : { maxSpoolBytes: options.maxSpoolBytes }),
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
      },
      (line) => line.id,
    );
    this.watcher = options.watchColourRules === false ? undefined : new ColourRuleWatcher(options.nc, this.colourRules);
  }

  /** The configured level. */
  get level(): LogLevelName {
    return (Object.keys(LogLevel) as LogLevelName[]).find((name) => LogLevel[name] === this.threshold)!;
  }

  /** Changes the configured level. */
  setLevel(level: LogLevelName): void {
    if (LogLevel[level] === undefined) throw badLogOption('level', `use one of ${Object.keys(LogLevel).join(', ')}`);
    this.threshold = LogLevel[level];
  }

  /** The first colouring rule these request fields match; the RPC server calls it to set the colour flag. */
  matchesColourRule(fields: Readonly<Record<string, unknown>>): ColourRule | undefined {
    return this.colourRules.match(fields);
  }

  /** A logger for one request: its trace/span ids and fields on every line, DEBUG and above when coloured. */
  forRequest(context: RequestLogContext): RequestLogger {
    return new RequestLogger(this, context);
  }

  log(level: LogLevelName, message: string, fields?: Record<string, unknown>): void {
    this.write(level, message, fields, undefined, this.threshold, false);
  }

  /**
   * @internal Builds and queues a line when it passes `threshold` or matches a rule, and the line budget allows it
   * (`always`: a traced or coloured request's line, which the budget does not count). Never throws.
   */
  write(
    level: LogLevelName,
    message: string,
    fields: Record<string, unknown> | undefined,
    context: RequestLogContext | undefined,
    threshold: number,
    always: boolean,
  ): void {
    try {
      const rank = LogLevel[level];
      if (rank === undefined) return;
      let matched = false;
      if (rank < threshold) {
        if (this.colourRules.rules.length === 0 || this.colourRules.match({ ...context?.fields, ...fields }) === undefined) return;
        matched = true;
      }
      const now = Date.now();
      if (!this.budget.admit(rank, always || matched, now)) return;
      const line: LogLine = {
        id: newLineId(now),
        ts: now,
        level,
        service: this.options.service,
        host: this.host,
        instance: this.instance,
        message: String(message).slice(0, MAX_MESSAGE_CHARS),
        fields: cleanFields(fields, cleanFields(context?.fields)),
      };
      if (context?.traceId) line.traceId = context.traceId;
      if (context?.spanId) line.spanId = context.spanId;
      this.publisher.push(line);
    } catch {
      // Logging must never break a call.
    }
  }

  /** Changes the per-second line allowances (0 ships every line). */
  setLineBudget(maxLinesPerSecond: number, maxWarnLinesPerSecond: number): void {
    this.budget.update(
      budgetOption(maxLinesPerSecond, 'maxLinesPerSecond', 0),
      budgetOption(maxWarnLinesPerSecond, 'maxWarnLinesPerSecond', 0),
    );
  }

  /** Lines kept back by the budget and lines lost (buffer or spool full) since the previous call. */
  takeLosses(): { suppressed: number; dropped: number } {
    const dropped = this.publisher.droppedSoFar;
    const losses = { suppressed: this.budget.takeSuppressed(), dropped: dropped - this.droppedReported };
    this.droppedReported = dropped;
    return losses;
  }

  /** Counters of the line publisher. */
  stats(): Promise<BatchPublisherStats> {
    return this.publisher.stats();
  }

  /** Sends what is buffered (or spools it). */
  flush(): Promise<void> {
    return this.publisher.flush();
  }

  /** Flushes and stops; unsent lines stay in the spool for the next start. */
  async close(): Promise<void> {
    await this.watcher?.stop();
    await this.publisher.close();
  }

  /** @internal The configured threshold. */
  get thresholdRank(): number {
    return this.threshold;
  }
}

/** A logger bound to one request; coloured requests log DEBUG and above, others keep the configured level. */
export class RequestLogger extends LevelMethods {
  /** True when the request carried the colour flag or its fields match a rule. */
  readonly coloured: boolean;

  constructor(
    private readonly parent: MsecLogger,
    private readonly context: RequestLogContext,
  ) {
    super();
    this.coloured =
      context.colour === true ||
      (parent.colourRules.rules.length > 0 && parent.matchesColourRule({ traceId: context.traceId, ...context.fields }) !== undefined);
  }

  log(level: LogLevelName, message: string, fields?: Record<string, unknown>): void {
    const threshold = this.coloured ? Math.min(LogLevel.DEBUG, this.parent.thresholdRank) : this.parent.thresholdRank;
    this.parent.write(level, message, fields, this.context, threshold, this.coloured || this.context.traced === true);
  }
}

/** A line allowance from the options: a whole number ≥ 0, or the default when unset. */
function budgetOption(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw badLogOption(field, 'give a whole number of lines per second, 0 for no limit');
  return value;
}

/** Creates the SDK logger of one service instance. */
export function createLogger(options: LoggerOptions): MsecLogger {
  return new MsecLogger(options);
}
