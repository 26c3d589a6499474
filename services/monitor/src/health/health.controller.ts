import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter, NATS_CONNECTION, natsCheck } from '@msec/platform';
import { databaseAnswers } from '@msec/persistence';
import { MONITOR_CONFIG, type MonitorConfig } from '../config/monitor.config.js';

/** Answers `msec.monitor.health`: ready when its dependencies are. */
@Controller()
export class HealthController {
  private readonly reporter: HealthReporter;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, dataSource: DataSource, @Inject(MONITOR_CONFIG) _config: MonitorConfig) {
    this.reporter = new HealthReporter(Component.monitor, [natsCheck(nc), { name: 'database', check: () => databaseAnswers(dataSource) }]);
  }

  @MessagePattern(Subjects.health(Component.monitor))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
