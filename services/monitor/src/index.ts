/** The monitor service's Nest module and configuration (for tests and the launcher). */
export { MonitorModule, MONITOR_ENTITIES } from './monitor.module.js';
export { loadMonitorConfig, monitorConfigSchema, MONITOR_CONFIG } from './config/monitor.config.js';
export type { MonitorConfig } from './config/monitor.config.js';
/** Internals the benchmarks drive directly: the series store, JetStream ingest and queries (providers of the module). */
export { SeriesStore } from './series/series-store.js';
export { StatsIngest } from './ingest/stats-ingest.js';
export { MonitorQueries } from './queries/monitor-queries.js';
