import { dayOfMinute, epochMinute } from '../series/minute-time.js';
import type { MinuteSeries, SeriesStore } from '../series/series-store.js';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function number(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
}

/**
 * Prometheus text exposition (format 0.0.4) of current values: for every (service, attr) aggregate and each host,
 * the value of the last complete minute with data (`msec_attr_value`, a gauge, with the minute as timestamp) and,
 * for sum attributes, today's running total (`msec_attr_today_total`).
 */
export function prometheusText(store: SeriesStore, nowMs: number): string {
  const lastComplete = epochMinute(nowMs) - 1;
  const today = dayOfMinute(epochMinute(nowMs));
  const values: string[] = [];
  const totals: string[] = [];
  const emit = (service: string, attr: string, host: string, kind: string, series: MinuteSeries): void => {
    const labels = `service="${label(service)}",attr="${label(attr)}",host="${label(host)}",kind="${kind}"`;
    const latest = series.latestAtOrBefore(lastComplete);
    if (latest !== undefined && latest.minute >= lastComplete - 5)
      values.push(`msec_attr_value{${labels}} ${number(latest.value)} ${latest.minute * 60_000}`);
    if (kind === 'sum') {
      const total = series.dayTotal(today);
      if (total !== undefined) totals.push(`msec_attr_today_total{${labels}} ${number(total.value)}`);
    }
  };
  for (const [service, attrs] of store.services) {
    for (const [attr, s] of attrs) {
      emit(service, attr, '', s.kind, s.total);
      for (const [host, hs] of s.hosts) emit(service, attr, host, s.kind, hs);
    }
  }
  return [
    '# HELP msec_attr_value Value of a business attribute in its last complete minute (host="" is the service aggregate).',
    '# TYPE msec_attr_value gauge',
    ...values,
    '# HELP msec_attr_today_total Running total since 00:00 UTC of a sum attribute.',
    '# TYPE msec_attr_today_total gauge',
    ...totals,
    '',
  ].join('\n');
}
