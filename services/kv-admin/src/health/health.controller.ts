import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter, NATS_CONNECTION, natsCheck, redisCheck } from '@msec/platform';
import { databaseAnswers } from '@msec/persistence';
import { KVADMIN_CONFIG, type KvAdminConfig } from '../config/kv-admin.config.js';

/** Answers `msec.kv-admin.health`: ready when its dependencies are. */
@Controller()
export class HealthController {
  private readonly reporter: HealthReporter;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, dataSource: DataSource, @Inject(KVADMIN_CONFIG) config: KvAdminConfig) {
    this.reporter = new HealthReporter(Component.kvAdmin, [
      natsCheck(nc),
      { name: 'database', check: () => databaseAnswers(dataSource) },
      redisCheck(config.redisUrl, config.redisTlsCa),
    ]);
  }

  @MessagePattern(Subjects.health(Component.kvAdmin))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
