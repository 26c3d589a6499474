import { Component } from '@msec/contracts';
import { healthReporterProvider } from '@msec/platform';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config.js';
import { StatsIngest } from '../ingest/stats-ingest.js';
import { SeriesStore } from '../series/series-store.js';

/** The monitor is ready when NATS and its database are; its health also says where ingest stands. */
export const monitorHealth = healthReporterProvider(
  Component.monitor,
  [MONITOR_CONFIG, SeriesStore, StatsIngest],
  (config: MonitorConfig, store: SeriesStore, ingest: StatsIngest) => [
    {
      // Informational: where ingest stands in the stream and what it refused.
      name: 'telemetry',
      check: () => {
        const c = store.counters;
        return Promise.resolve(
          `shard ${config.shardIndex}/${config.shards}, stream seq ${JSON.stringify(ingest.positions())}, ${store.seriesCount()} series, ` +
            `${c.items} items (${c.invalid} invalid, ${c.kindConflicts} kind conflicts, ${c.outOfRange} out of range), ${ingest.badMessages} bad messages`,
        );
      },
    },
  ],
);
