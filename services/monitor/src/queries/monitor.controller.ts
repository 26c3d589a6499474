import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { MonitorSubjects } from '@msec/contracts';
import { MonitorQueryService, QueryAction } from './monitor-query.service.js';

/** `msec.monitor.*` queries over the in-memory series. */
@Controller()
export class MonitorQueriesController {
  constructor(private readonly queries: MonitorQueryService) {}

  @MessagePattern(MonitorSubjects.curve)
  curve(@Payload() payload: unknown): Promise<unknown> {
    return this.queries.query(QueryAction.curve, payload);
  }

  @MessagePattern(MonitorSubjects.totals)
  totals(@Payload() payload: unknown): Promise<unknown> {
    return this.queries.query(QueryAction.totals, payload);
  }

  @MessagePattern(MonitorSubjects.top)
  top(@Payload() payload: unknown): Promise<unknown> {
    return this.queries.query(QueryAction.top, payload);
  }

  @MessagePattern(MonitorSubjects.calls)
  calls(@Payload() payload: unknown): Promise<unknown> {
    return this.queries.query(QueryAction.calls, payload);
  }

  @MessagePattern(MonitorSubjects.services)
  services(): Promise<unknown> {
    return this.queries.query(QueryAction.services, {});
  }

  @MessagePattern(MonitorSubjects.attrs)
  attrs(@Payload() payload: unknown): Promise<unknown> {
    return this.queries.query(QueryAction.attrs, payload);
  }

  @MessagePattern(MonitorSubjects.hosts)
  hosts(@Payload() payload: unknown): Promise<unknown> {
    return this.queries.query(QueryAction.hosts, payload);
  }

  @MessagePattern(MonitorSubjects.prometheus)
  prometheus(): Promise<unknown> {
    return this.queries.query(QueryAction.prometheus, {});
  }
}
