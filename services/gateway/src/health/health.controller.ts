import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { MessagePattern } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter, NATS_CONNECTION, natsCheck } from '@msec/platform';
import { databaseAnswers } from '@msec/persistence';
import { Public } from '../auth/access.js';

/** Health of the gateway itself, over NATS (`msec.gateway.health`) and HTTP (`GET /api/v1/health`, no login needed). */
@ApiTags('platform')
@Controller('api/v1/health')
export class HealthController {
  private readonly reporter: HealthReporter;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, dataSource: DataSource) {
    this.reporter = new HealthReporter(Component.gateway, [natsCheck(nc), { name: 'database', check: () => databaseAnswers(dataSource) }]);
  }

  @MessagePattern(Subjects.health(Component.gateway))
  health(): Promise<HealthReport> {
    return this.reporter.report();
  }

  @Get()
  @Public()
  @ApiOperation({ summary: 'Readiness of the gateway and its dependencies (no login needed)' })
  httpHealth(): Promise<HealthReport> {
    return this.reporter.report();
  }
}
