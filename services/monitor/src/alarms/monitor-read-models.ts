import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { sharedProjectionRunner, type Projection, type ProjectionRunner } from '@msec/bus';
import { NATS_CONNECTION } from '@msec/platform';
import { AlarmEntity, AlarmRuleEntity } from './alarm.entities.js';
import { AlarmRulesProjection } from './alarm-rules.projection.js';
import { AlarmsProjection } from './alarms.projection.js';
import type { MonitorEvent } from './monitor-event-log.js';

/** What a rebuild replayed: rows of each read model. */
export interface MonitorRebuildResult {
  alarmRules: number;
  alarms: number;
}

/** The monitor's read models: the alarm rules and alarms tables, each fed by its projection of the monitor's events. */
@Injectable()
export class MonitorReadModels implements OnApplicationShutdown {
  private readonly logger = new Logger('monitor-read-models');
  readonly rules: ProjectionRunner<MonitorEvent>;
  readonly alarms: ProjectionRunner<MonitorEvent>;
  private rebuilding: Promise<MonitorRebuildResult> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly dataSource: DataSource,
  ) {
    this.rules = this.runner(nc, new AlarmRulesProjection());
    this.alarms = this.runner(nc, new AlarmsProjection());
  }

  /** Applies every event so far, then keeps applying them as they come. */
  async start(): Promise<void> {
    await this.rules.start();
    await this.alarms.start();
    await this.rules.waitUntilCaughtUp();
    await this.alarms.waitUntilCaughtUp();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rules.stop();
    await this.alarms.stop();
  }

  /** Empties both tables and replays the monitor's events; a rebuild asked for while one runs joins it. */
  rebuild(): Promise<MonitorRebuildResult> {
    this.rebuilding ??= this.replayAll().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async replayAll(): Promise<MonitorRebuildResult> {
    await this.rules.rebuild();
    await this.alarms.rebuild();
    return {
      alarmRules: await this.dataSource.getRepository(AlarmRuleEntity).count(),
      alarms: await this.dataSource.getRepository(AlarmEntity).count(),
    };
  }

  private runner(nc: NatsConnection, projection: Projection<MonitorEvent>): ProjectionRunner<MonitorEvent> {
    return sharedProjectionRunner(nc, this.dataSource, projection, (message) => this.logger.error(message));
  }
}
