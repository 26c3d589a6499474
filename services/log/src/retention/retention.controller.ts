import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LogSubjects } from '@msec/contracts';
import { RetentionJob } from './retention.job.js';
import type { PurgeResult } from './retention.js';

/** `msec.log.purge`: runs the retention purge now. */
@Controller()
export class RetentionController {
  constructor(private readonly job: RetentionJob) {}

  @MessagePattern(LogSubjects.purge)
  purge(@Payload() request: unknown): Promise<PurgeResult> {
    return this.job.purge(request);
  }
}
