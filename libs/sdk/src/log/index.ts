// Public surface of the SDK logger; the lead re-exports these names from libs/sdk/src/index.ts.
/** The SDK logger, request loggers and their options. */
export { MsecLogger, RequestLogger, createLogger, LINE_BUDGET_DEFAULTS } from './logger.js';
/** The per-second line allowance and its loss counters in Monitoring. */
export { LineBudget, LogLineCounters, SUPPRESSED_LINES_ATTR, DROPPED_LINES_ATTR } from './line-budget.js';
export type { LineBudgetOptions } from './line-budget.js';
export type { LoggerOptions, RequestLogContext } from './logger.js';
/** Colouring rules: matching, the live rule set and its KV watcher. */
export { matchesColourRule, parseColourRules, ColourRuleSet, ColourRuleWatcher } from './colour-rules.js';
/** Span reporting for the RPC runtime. */
export { SpanReporter, createSpanReporter } from './span-reporter.js';
export type { SpanReporterOptions } from './span-reporter.js';
export { spanFromServedCall } from './span-from-call.js';
export type { ServedCall } from './span-from-call.js';
/** Batched JetStream publishing with a bounded spool file. */
export { NatsBatchPublisher, batchMessageId } from './nats-batch-publisher.js';
export type { BatchPublisherOptions, BatchPublisherStats } from './nats-batch-publisher.js';
export { SpoolFile } from './spool-file.js';
/** Line, trace and span ids. */
export { newLineId, newTraceId, newSpanId } from './log-ids.js';
/** Errors of the SDK logger. */
export { SdkLogErrorCode, badLogOption, loggerClosed } from './log.errors.js';
