import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter, NATS_CONNECTION, natsCheck, redisCheck } from '@msec/platform';
import { databaseAnswers } from '@msec/persistence';
import { DEPLOY_CONFIG, type DeployConfig } from '../config/deploy.config.js';

/** Answers `msec.deploy.health`: ready when its dependencies are. */
@Controller()
export class HealthController {
  private readonly reporter: HealthReporter;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, dataSource: DataSource, @Inject(DEPLOY_CONFIG) config: DeployConfig) {
    this.reporter = new HealthReporter(Component.deploy, [
      natsCheck(nc),
      { name: 'database', check: () => databaseAnswers(dataSource) },
      redisCheck(config.redisUrl, config.redisTlsCa),
    ]);
  }

  @MessagePattern(Subjects.health(Component.deploy))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
