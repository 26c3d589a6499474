import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter, NATS_CONNECTION, natsCheck } from '@msec/platform';
import { databaseAnswers } from '@msec/persistence';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config.js';
import { StatsIngest } from '../ingest/stats-ingest.js';
import { SeriesStore } from '../series/series-store.js';

/** Answers `msec.monitor.health`: ready when its dependencies are. */
@Controller()
export class HealthController {
  private readonly reporter: HealthReporter;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    dataSource: DataSource,
    @Inject(MONITOR_CONFIG) config: MonitorConfig,
    store: SeriesStore,
    ingest: StatsIngest,
  ) {
    this.reporter = new HealthReporter(Component.monitor, [
      natsCheck(nc),
      { name: 'database', check: () => databaseAnswers(dataSource) },
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
    ]);
  }

  @MessagePattern(Subjects.health(Component.monitor))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
