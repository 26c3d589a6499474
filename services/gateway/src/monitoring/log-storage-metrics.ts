import type { LogStorageReport } from '@msec/contracts';

/**
 * Prometheus text (format 0.0.4) of the log store's bounds: what was dropped to keep them (counters since the log
 * service started), the rows held and the limits, so an alert can fire before telemetry is lost.
 */
export function logStorageMetrics(report: LogStorageReport): string {
  const d = report.dropped;
  return [
    '# HELP msec_log_dropped_total Telemetry the log service dropped to stay within its limits, since it started.',
    '# TYPE msec_log_dropped_total counter',
    `msec_log_dropped_total{what="stream_messages"} ${d.streamMessages}`,
    `msec_log_dropped_total{what="lines"} ${d.lines}`,
    `msec_log_dropped_total{what="lines_below_warn"} ${d.linesBelowWarn}`,
    `msec_log_dropped_total{what="spans"} ${d.spans}`,
    `msec_log_dropped_total{what="ok_spans"} ${d.okSpans}`,
    '# HELP msec_log_stored Rows and bytes the log store and its ingest stream hold now.',
    '# TYPE msec_log_stored gauge',
    `msec_log_stored{what="lines"} ${report.stored.lines}`,
    `msec_log_stored{what="spans"} ${report.stored.spans}`,
    `msec_log_stored{what="stream_bytes"} ${report.stream.bytes}`,
    `msec_log_stored{what="stream_pending_messages"} ${report.stream.pending}`,
    '# HELP msec_log_limit Limits of the log store (retention in days).',
    '# TYPE msec_log_limit gauge',
    `msec_log_limit{what="lines"} ${report.limits.maxLines}`,
    `msec_log_limit{what="spans"} ${report.limits.maxSpans}`,
    `msec_log_limit{what="stream_bytes"} ${report.limits.ingestStreamMaxBytes}`,
    `msec_log_limit{what="retention_days"} ${report.limits.retentionDays}`,
    '',
  ].join('\n');
}
