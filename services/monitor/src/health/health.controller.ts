import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter } from '@msec/platform';

/** Answers `msec.monitor.health`: ready when its dependencies are. */
@Controller()
export class HealthController {
  constructor(private readonly reporter: HealthReporter) {}

  @MessagePattern(Subjects.health(Component.monitor))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
