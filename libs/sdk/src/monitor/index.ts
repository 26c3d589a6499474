/** Business monitoring reporter: `add`, `set` (last/max/min/avg), batched over JetStream. */
export { MonitorReporter } from './monitor-reporter.js';
export type { MonitorReporterOptions, MonitorReporterStats, SetMode, StatSource } from './monitor-reporter.js';
/** Exact per-minute RPC statistics of one side of the calls (requests, failures by code, latency histogram). */
export { RpcCallStats } from './rpc-call-stats.js';
/** Pure per-minute aggregation the reporter is built on. */
export { MinuteAggregator } from './minute-aggregator.js';
export type { DrainedItems } from './minute-aggregator.js';
/** RPC call records → per-minute reports (requests, failures by code, latency histogram and percentiles). */
export { callRecordsToReports, latencyBucket } from './call-record-reports.js';
/** Creating the telemetry stream. */
export { ensureStatsStream } from './stats-stream.js';
/** Reporter option errors. */
export { MonitorReporterErrorCode, badReporterOption } from './monitor.errors.js';
