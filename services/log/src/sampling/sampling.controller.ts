import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LogSubjects, type TraceSamplingSettings } from '@msec/contracts';
import { LogSettings, type LogRebuildResult } from '../settings/log-settings.js';

/** `msec.log.sampling.*`: trace sampling by service, set from the console and read by every SDK; `msec.log.rebuild`. */
@Controller()
export class SamplingController {
  constructor(private readonly settings: LogSettings) {}

  @MessagePattern(LogSubjects.samplingGet)
  get(): Promise<TraceSamplingSettings> {
    return this.settings.sampling.get();
  }

  @MessagePattern(LogSubjects.samplingSet)
  set(@Payload() request: unknown): Promise<TraceSamplingSettings> {
    return this.settings.sampling.set(request);
  }

  @MessagePattern(LogSubjects.samplingDelete)
  delete(@Payload() request: unknown): Promise<TraceSamplingSettings> {
    return this.settings.sampling.delete(request);
  }

  @MessagePattern(LogSubjects.rebuild)
  rebuild(): Promise<LogRebuildResult> {
    return this.settings.rebuild();
  }
}
