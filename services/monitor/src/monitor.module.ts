import { Module, type DynamicModule } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { ProjectionCheckpointEntity } from '@msec/bus';
import { Component } from '@msec/contracts';
import { NATS_CONNECTION, coreProviders, databaseTargetFor } from '@msec/platform';
import { AlarmEngine } from './alarms/alarm-engine.js';
import { JetStreamAlarmEventSink } from './alarms/alarm-event-sink.js';
import { AlarmRules } from './alarms/alarm-rules.domain.js';
import { AlarmSchedule } from './alarms/alarm-schedule.js';
import { AlarmEntity, AlarmRuleEntity, WebhookUrlEntity } from './alarms/alarm.entities.js';
import { AlarmsController } from './alarms/alarms.controller.js';
import { MonitorEventLog } from './alarms/monitor-event-log.js';
import { MonitorReadModels } from './alarms/monitor-read-models.js';
import { MONITOR_MIGRATIONS } from './alarms/monitor.migrations.js';
import { MONITOR_CONFIG, type MonitorConfig } from './config/monitor.config.js';
import { HealthController } from './health/health.controller.js';
import { monitorHealth } from './health/health.provider.js';
import { StatsIngest } from './ingest/stats-ingest.js';
import { MonitorQueriesController } from './queries/monitor.controller.js';
import { MonitorQueries } from './queries/monitor-queries.js';
import { MonitorQueryService } from './queries/monitor-query.service.js';
import { SeriesStore } from './series/series-store.js';

/** Entities of the monitor's own tables. */
export const MONITOR_ENTITIES = [AlarmRuleEntity, AlarmEntity, WebhookUrlEntity, ProjectionCheckpointEntity];

/** The monitor service: telemetry ingest, per-minute series, queries, alarms. */
@Module({})
export class MonitorModule {
  static forConfig(config: MonitorConfig): DynamicModule {
    return {
      module: MonitorModule,
      controllers: [HealthController, MonitorQueriesController, AlarmsController],
      providers: [
        monitorHealth,
        { provide: MONITOR_CONFIG, useValue: config },
        ...coreProviders(Component.monitor, config, {
          target: databaseTargetFor(Component.monitor, config),
          entities: MONITOR_ENTITIES,
          migrations: MONITOR_MIGRATIONS,
        }),
        // Telemetry: the in-memory series, the ingest that fills them, the queries over them.
        { provide: SeriesStore, useFactory: () => new SeriesStore(config.retentionDays) },
        {
          provide: StatsIngest,
          useFactory: (nc: NatsConnection, store: SeriesStore) => new StatsIngest(nc, store, config),
          inject: [NATS_CONNECTION, SeriesStore],
        },
        { provide: MonitorQueries, useFactory: (store: SeriesStore) => new MonitorQueries(store), inject: [SeriesStore] },
        MonitorQueryService,
        // Alarms: events first, the rules and alarms tables as projections, the engine judging every minute.
        MonitorEventLog,
        MonitorReadModels,
        {
          provide: AlarmRules,
          useFactory: (ds: DataSource, events: MonitorEventLog, readModels: MonitorReadModels) =>
            new AlarmRules(ds, events, readModels.rules, config.webhookAllowInternal),
          inject: [DataSource, MonitorEventLog, MonitorReadModels],
        },
        {
          provide: AlarmEngine,
          useFactory: (
            ds: DataSource,
            rules: AlarmRules,
            store: SeriesStore,
            nc: NatsConnection,
            events: MonitorEventLog,
            readModels: MonitorReadModels,
          ) =>
            new AlarmEngine(ds, rules, store, new JetStreamAlarmEventSink(nc), events, readModels.alarms, {
              graceMs: config.alarmGraceMs,
              webhookTimeoutMs: config.webhookTimeoutMs,
              webhookAllowInternal: config.webhookAllowInternal,
              shardIndex: config.shardIndex,
              shards: config.shards,
            }),
          inject: [DataSource, AlarmRules, SeriesStore, NATS_CONNECTION, MonitorEventLog, MonitorReadModels],
        },
        AlarmSchedule,
      ],
    };
  }
}
