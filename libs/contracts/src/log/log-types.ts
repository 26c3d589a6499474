/** Log levels, lowest first; the number orders them. */
export const LogLevel = { TRACE: 10, DEBUG: 20, INFO: 30, WARN: 40, ERROR: 50, FATAL: 60 } as const;
/** Name of a log level. */
export type LogLevelName = keyof typeof LogLevel;
/** Every level name, lowest first. */
export const LOG_LEVEL_NAMES: readonly LogLevelName[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];

/** Values a user field may hold on the wire; stored as text. */
export type LogFieldValue = string | number | boolean;

/** One log line as the SDK sends it and the log service returns it. */
export interface LogLine {
  /** Unique, time-ordered line id; also the Nats-Msg-Id, so a re-send is de-duplicated. */
  id: string;
  /** Epoch milliseconds when the line was logged. */
  ts: number;
  level: LogLevelName;
  service: string;
  host: string;
  instance: string;
  traceId?: string;
  spanId?: string;
  message: string;
  /** User fields (and standard ones such as caller or rpc), flat key → value. */
  fields: Record<string, LogFieldValue>;
}

/** Status of a span. */
export const SpanStatus = { ok: 'ok', error: 'error' } as const;
/** One of SpanStatus. */
export type SpanStatus = (typeof SpanStatus)[keyof typeof SpanStatus];

/** One RPC call as the runtime reports it. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** Span of the call being served when this call was made; absent for a root. */
  parentSpanId?: string;
  /** Calling service (e.g. Flight.mod_flight, or "client" for an edge caller). */
  caller: string;
  /** Called service. */
  callee: string;
  /** Method called (e.g. flight.FlightService.Query). */
  method: string;
  /** Epoch milliseconds when the call started. */
  start: number;
  /** Milliseconds the call took (fractions allowed). */
  duration: number;
  status: SpanStatus;
  /** Error code when status is error. */
  errorCode?: string;
  /** Host that made the call. */
  host?: string;
}

/** A colouring rule: a request whose field `field` equals `value` is coloured (logged at DEBUG everywhere). */
export interface ColourRule {
  /** Stable id chosen by the caller (e.g. "user-bison"). */
  id: string;
  field: string;
  value: string;
  /** Epoch ms after which the rule stops applying; absent for no expiry. */
  expiresAt?: number;
}

/** One `field = value` condition of a query. */
export interface FieldFilter {
  name: string;
  value: string;
}

/** Typed filters of a log search; every one is optional and they combine with AND. */
export interface LogQuery {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  service?: string;
  host?: string;
  instance?: string;
  /** Exactly these levels. */
  levels?: LogLevelName[];
  /** This level and above. */
  minLevel?: LogLevelName;
  traceId?: string;
  /** User fields that must equal the given values. */
  fields?: FieldFilter[];
  /** Message contains this text (case as stored). */
  text?: string;
  /** Page size, 1..1000, default 100. */
  limit?: number;
  /** Opaque cursor from the previous page's nextCursor. */
  cursor?: string;
}

/** One page of a log search, newest first. */
export interface LogPage {
  lines: LogLine[];
  /** Pass as cursor to get the next (older) page; absent on the last page. */
  nextCursor?: string;
}

/** Request of msec.log.trace. */
export interface TraceRequest {
  traceId: string;
}

/** One node of a trace's call tree, with timings relative to the trace start. */
export interface TraceNode {
  span: SpanRecord;
  /** Milliseconds from the trace's first span start. */
  offset: number;
  depth: number;
  children: TraceNode[];
}

/** Reply of msec.log.trace: the waterfall (tree with timings), the flow chart edges and Mermaid texts. */
export interface TraceView {
  traceId: string;
  start: number;
  /** From the first start to the last end, ms. */
  duration: number;
  spanCount: number;
  roots: TraceNode[];
  /** Flat waterfall rows in depth-first order. */
  waterfall: Array<{
    spanId: string;
    parentSpanId?: string;
    depth: number;
    label: string;
    offset: number;
    duration: number;
    status: SpanStatus;
  }>;
  /** Mermaid `gantt` text of the waterfall. */
  mermaidWaterfall: string;
  /** Mermaid `flowchart` text: caller → callee labelled with the method. */
  mermaidFlow: string;
}

/** Request of msec.log.dependencies. */
export interface DependencyRequest {
  from: number;
  to: number;
  /** Example trace ids per edge, 0..10, default 3. */
  examples?: number;
}

/** One caller → callee edge over a time range. */
export interface DependencyEdge {
  caller: string;
  callee: string;
  calls: number;
  errors: number;
  errorRate: number;
  avgMs: number;
  maxMs: number;
  /** Recent trace ids on this edge, errors first. */
  exampleTraceIds: string[];
  /**
   * Where calls, errors and latency come from: `statistics` (the monitor's per-minute call counts, exact whatever
   * traces are sampled; latency estimated from the histogram) or `spans` (the stored spans, only sampled, failed
   * and slow calls). Example trace ids always come from spans.
   */
  source?: 'statistics' | 'spans';
}

/** Reply of msec.log.dependencies. */
export interface DependencyGraph {
  from: number;
  to: number;
  services: string[];
  edges: DependencyEdge[];
  /** Mermaid `flowchart` text with calls, error rate and average latency on each edge. */
  mermaid: string;
}

/** Reply of msec.log.storage: the limits that bound the log store, its size and what was dropped to keep them. */
export interface LogStorageReport {
  limits: {
    retentionDays: number;
    /** Most log lines kept; the oldest DEBUG/INFO lines go first, then the oldest of any level. */
    maxLines: number;
    /** Most spans kept; the oldest successful spans go first, then the oldest of any status. */
    maxSpans: number;
    /** Most bytes the ingest stream holds before it discards its oldest messages. */
    ingestStreamMaxBytes: number;
  };
  /** Rows held now (counted at start and after each purge, tracked in between). */
  stored: { lines: number; spans: number };
  /** The ingest stream now: bytes and messages held, messages not yet delivered to the log service. */
  stream: { bytes: number; messages: number; pending: number };
  /** Telemetry dropped since `since` (the first start of this store; kept across restarts). */
  dropped: {
    /** Ingest messages (batches of lines or spans) the stream discarded before the log service read them. */
    streamMessages: number;
    /** Lines removed by the line limit, and how many of them were below WARN. */
    lines: number;
    linesBelowWarn: number;
    /** Spans removed by the span limit, and how many of them were successful. */
    spans: number;
    okSpans: number;
  };
  since: number;
}
