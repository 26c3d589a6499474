import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { LogSubjects, type TraceSamplingSettings } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { SamplingDomain } from './sampling.domain.js';

/** `msec.log.sampling.*`: trace sampling by service, set from the console and read by every SDK. */
@Controller()
export class SamplingController {
  private readonly domain: SamplingDomain;

  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection) {
    this.domain = new SamplingDomain(nc);
  }

  @MessagePattern(LogSubjects.samplingGet)
  get(): Promise<TraceSamplingSettings> {
    return this.domain.get();
  }

  @MessagePattern(LogSubjects.samplingSet)
  set(@Payload() request: unknown): Promise<TraceSamplingSettings> {
    return this.domain.set(request);
  }

  @MessagePattern(LogSubjects.samplingDelete)
  delete(@Payload() request: unknown): Promise<TraceSamplingSettings> {
    return this.domain.delete(request);
  }
}
