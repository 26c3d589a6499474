import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LogSubjects, type ColourRule } from '@msec/contracts';
import { LogSettings } from '../settings/log-settings.js';

/** `msec.log.colour.*`: the colouring rules every SDK applies. */
@Controller()
export class ColourController {
  constructor(private readonly settings: LogSettings) {}

  @MessagePattern(LogSubjects.colourList)
  list(): Promise<ColourRule[]> {
    return this.settings.colour.list();
  }

  @MessagePattern(LogSubjects.colourSet)
  set(@Payload() request: unknown): Promise<ColourRule[]> {
    return this.settings.colour.set(request);
  }

  @MessagePattern(LogSubjects.colourDelete)
  delete(@Payload() request: unknown): Promise<ColourRule[]> {
    return this.settings.colour.delete(request);
  }
}
