import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter } from '@msec/platform';

/** Answers `msec.registry.health`: ready when NATS, the database and ZooKeeper are. */
@Controller()
export class HealthController {
  constructor(private readonly reporter: HealthReporter) {}

  @MessagePattern(Subjects.health(Component.registry))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
