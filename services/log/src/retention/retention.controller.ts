import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LogSubjects, type LogStorageReport } from '@msec/contracts';
import { RetentionJob } from './retention.job.js';
import { StoreBoundJob } from './store-bound.job.js';
import type { PurgeResult } from './retention.js';

/** `msec.log.purge`: runs the retention purge now; `msec.log.storage`: limits, size and drop counters. */
@Controller()
export class RetentionController {
  constructor(
    private readonly job: RetentionJob,
    private readonly bound: StoreBoundJob,
  ) {}

  @MessagePattern(LogSubjects.purge)
  purge(@Payload() request: unknown): Promise<PurgeResult> {
    return this.job.purge(request);
  }

  @MessagePattern(LogSubjects.storage)
  storage(): Promise<LogStorageReport> {
    return this.bound.report();
  }
}
