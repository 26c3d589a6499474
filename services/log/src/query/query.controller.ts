import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LogSubjects, type LogPage } from '@msec/contracts';
import { validateLogQuery } from './log-query.domain.js';
import { LogQueryRepository } from './log-query.repository.js';

/** `msec.log.query`: typed log search, newest first, paged with a cursor. */
@Controller()
export class QueryController {
  constructor(private readonly repository: LogQueryRepository) {}

  @MessagePattern(LogSubjects.query)
  query(@Payload() request: unknown): Promise<LogPage> {
    return this.repository.search(validateLogQuery(request));
  }
}
