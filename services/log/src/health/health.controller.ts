import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter, NATS_CONNECTION, natsCheck } from '@msec/platform';
import { databaseAnswers } from '@msec/persistence';
import { LOG_CONFIG, type LogConfig } from '../config/log.config.js';

/** Answers `msec.log.health`: ready when its dependencies are. */
@Controller()
export class HealthController {
  private readonly reporter: HealthReporter;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, dataSource: DataSource, @Inject(LOG_CONFIG) _config: LogConfig) {
    this.reporter = new HealthReporter(Component.log, [natsCheck(nc), { name: 'database', check: () => databaseAnswers(dataSource) }]);
  }

  @MessagePattern(Subjects.health(Component.log))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
