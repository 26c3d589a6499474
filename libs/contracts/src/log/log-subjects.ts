/** Subjects, stream and bucket names of centralised logs and tracing, defined once. */
export const LogSubjects = {
  /**
   * JetStream subject of log lines from the SDK: each message a JSON array of LogLine (Nats-Msg-Id derived from the
   * line ids), or one LogLine as older SDKs sent it (Nats-Msg-Id = line id).
   */
  ingestLines: 'msec.log.ingest.lines',
  /** JetStream subject of spans from the SDK: a JSON array of SpanRecord per message (or one SpanRecord). */
  ingestSpans: 'msec.log.ingest.spans',
  /** Wildcard the ingest stream captures. */
  ingestAll: 'msec.log.ingest.>',
  /** Live tail: stored lines of one service, published by the log service after each insert (payload LogLine[]). */
  tail: (service: string): string => `msec.log.tail.${service}`,
  /** Live tail of every service. */
  tailAll: 'msec.log.tail.>',
  /** Request/reply: search lines (LogQuery → LogPage). */
  query: 'msec.log.query',
  /** Request/reply: one trace as a waterfall, a flow chart and Mermaid text. */
  trace: 'msec.log.trace',
  /** Request/reply: service dependency graph over a time range. */
  dependencies: 'msec.log.dependencies',
  /** Request/reply: list colouring rules. */
  colourList: 'msec.log.colour.list',
  /** Request/reply: add or replace a colouring rule. */
  colourSet: 'msec.log.colour.set',
  /** Request/reply: delete a colouring rule. */
  colourDelete: 'msec.log.colour.delete',
  /** Request/reply: purge lines and spans older than the retention now (the daily job does it by itself). */
  purge: 'msec.log.purge',
  /** Request/reply: trace sampling set from the console, by service (→ TraceSamplingSettings). */
  samplingGet: 'msec.log.sampling.get',
  /** Request/reply: set one service's trace sampling `{ service, rate, maxPerSecond }` (→ TraceSamplingSettings). */
  samplingSet: 'msec.log.sampling.set',
  /** Request/reply: remove one service's setting `{ service }`, so its environment applies again (→ TraceSamplingSettings). */
  samplingDelete: 'msec.log.sampling.delete',
  /** Request/reply: empty the colouring and sampling tables and replay the log service's events (admin). */
  rebuild: 'msec.log.rebuild',
  /** Request/reply: the store's limits, its size and the telemetry dropped to keep it bounded (→ LogStorageReport). */
  storage: 'msec.log.storage',
} as const;

/** JetStream stream holding SDK log lines and spans until the log service stores them (file storage). */
export const LOG_INGEST_STREAM = 'MSEC_LOG_INGEST';
/** Durable consumer of the log service on the ingest stream. */
export const LOG_INGEST_CONSUMER = 'msec-log-ingest';
/** KV bucket holding the colouring rules every SDK watches. */
export const LOG_COLOUR_BUCKET = 'msec_log_colour';
/** Key inside LOG_COLOUR_BUCKET whose value is the JSON array of ColourRule. */
export const LOG_COLOUR_KEY = 'rules';
