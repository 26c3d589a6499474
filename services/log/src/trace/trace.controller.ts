import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LogSubjects, type DependencyGraph, type TraceView } from '@msec/contracts';
import { CallGraphDomain } from './call-graph.domain.js';

/** `msec.log.trace` and `msec.log.dependencies`: call graphs as JSON and Mermaid text. */
@Controller()
export class TraceController {
  constructor(private readonly domain: CallGraphDomain) {}

  @MessagePattern(LogSubjects.trace)
  trace(@Payload() request: unknown): Promise<TraceView> {
    return this.domain.trace(request);
  }

  @MessagePattern(LogSubjects.dependencies)
  dependencies(@Payload() request: unknown): Promise<DependencyGraph> {
    return this.domain.dependencies(request);
  }
}
