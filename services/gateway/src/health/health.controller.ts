import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { MessagePattern } from '@nestjs/microservices';
import { Component, Subjects, type HealthReport } from '@msec/contracts';
import { HealthReporter } from '@msec/platform';
import { Public } from '../auth/access.js';

/** Health of the gateway itself, over NATS (`msec.gateway.health`) and HTTP (`GET /api/v1/health`, no login needed). */
@ApiTags('platform')
@Controller('api/v1/health')
export class HealthController {
  constructor(private readonly reporter: HealthReporter) {}

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
