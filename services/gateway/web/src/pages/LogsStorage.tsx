import type { LogStorageReport } from '@msec/contracts';
import { Card, ErrorBanner, useApi } from '../ui';

const count = (n: number): string => n.toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MiB`;

/** Log retention and size limits, with the drop counters (telemetry removed to keep the store bounded). */
export default function LogsStorage() {
  const report = useApi<LogStorageReport>('/api/v1/logs/storage');
  const r = report.data;
  const anyDropped = r !== undefined && r.dropped.streamMessages + r.dropped.lines + r.dropped.spans > 0;
  return (
    <Card title="Storage" testId="log-storage" actions={<button onClick={report.reload}>Refresh</button>}>
      <ErrorBanner error={report.error} />
      {r && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th></th>
                <th>Held</th>
                <th>Limit</th>
                <th>Dropped since {new Date(r.since).toLocaleString()}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>Log lines</td>
                <td>{count(r.stored.lines)}</td>
                <td>
                  {count(r.limits.maxLines)} · {r.limits.retentionDays} days
                </td>
                <td data-testid="dropped-lines" className={r.dropped.lines > 0 ? 'log-dropped' : undefined}>
                  {count(r.dropped.lines)} ({count(r.dropped.linesBelowWarn)} below WARN)
                </td>
              </tr>
              <tr>
                <td>Spans</td>
                <td>{count(r.stored.spans)}</td>
                <td>
                  {count(r.limits.maxSpans)} · {r.limits.retentionDays} days
                </td>
                <td data-testid="dropped-spans" className={r.dropped.spans > 0 ? 'log-dropped' : undefined}>
                  {count(r.dropped.spans)} ({count(r.dropped.okSpans)} successful)
                </td>
              </tr>
              <tr>
                <td>Ingest stream</td>
                <td>
                  {mib(r.stream.bytes)} · {count(r.stream.pending)} messages waiting
                </td>
                <td>{mib(r.limits.ingestStreamMaxBytes)} · 24 hours</td>
                <td data-testid="dropped-stream" className={r.dropped.streamMessages > 0 ? 'log-dropped' : undefined}>
                  {count(r.dropped.streamMessages)} messages
                </td>
              </tr>
            </tbody>
          </table>
        </div>
      )}
      {r && (
        <p className="muted small">
          {anyDropped
            ? 'Telemetry was dropped to keep the store within its limits: DEBUG/INFO lines and successful spans go first.'
            : 'Nothing dropped: the store is within its limits.'}{' '}
          Limits are set with MSEC_LOG_RETENTION_DAYS, MSEC_LOG_MAX_LINES, MSEC_LOG_MAX_SPANS and MSEC_LOG_INGEST_STREAM_MAX_MB.
        </p>
      )}
    </Card>
  );
}
