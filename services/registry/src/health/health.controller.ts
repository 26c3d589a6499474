import { Controller, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter, NATS_CONNECTION, natsCheck } from '@msec/platform';
import { databaseAnswers } from '@msec/persistence';
import { ZkSession } from '../zookeeper/zk-session.js';

/** Answers `msec.registry.health`: ready when NATS, the database and ZooKeeper are. */
@Controller()
export class HealthController {
  private readonly reporter: HealthReporter;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, dataSource: DataSource, zk: ZkSession) {
    this.reporter = new HealthReporter(Component.registry, [
      natsCheck(nc),
      { name: 'database', check: () => databaseAnswers(dataSource) },
      zk.healthCheck(),
    ]);
  }

  @MessagePattern(Subjects.health(Component.registry))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
