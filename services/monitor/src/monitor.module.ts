import { Module, type DynamicModule } from '@nestjs/common';
import { ProjectionCheckpointEntity } from '@msec/bus';
import { Component } from '@msec/contracts';
import { coreProviders, databaseTargetFor } from '@msec/platform';
import { AlarmEntity, AlarmRuleEntity, WebhookUrlEntity } from './alarms/alarm.entities.js';
import { AlarmsController } from './alarms/alarms.controller.js';
import { MONITOR_MIGRATIONS } from './alarms/monitor.migrations.js';
import { MONITOR_CONFIG, type MonitorConfig } from './config/monitor.config.js';
import { HealthController } from './health/health.controller.js';
import { MonitorRuntime } from './monitor-runtime.js';
import { MonitorQueriesController } from './queries/monitor.controller.js';

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
        { provide: MONITOR_CONFIG, useValue: config },
        ...coreProviders(Component.monitor, config, {
          target: databaseTargetFor(Component.monitor, config),
          entities: MONITOR_ENTITIES,
          migrations: MONITOR_MIGRATIONS,
        }),
        MonitorRuntime,
      ],
    };
  }
}
