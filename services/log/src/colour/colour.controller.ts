import { Controller, Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { LogSubjects, type ColourRule } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { KvColourRulePublisher } from './colour-publisher.js';
import { ColourDomain } from './colour.domain.js';

/** `msec.log.colour.*`: the colouring rules every SDK applies. */
@Controller()
export class ColourController implements OnApplicationBootstrap {
  private readonly domain: ColourDomain;

  constructor(dataSource: DataSource, @Inject(NATS_CONNECTION) nc: NatsConnection) {
    this.domain = new ColourDomain(dataSource, new KvColourRulePublisher(nc));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.domain
      .publishAll()
      .catch((error: unknown) => new Logger('log-colour').warn(`cannot publish colouring rules yet: ${String(error)}`));
  }

  @MessagePattern(LogSubjects.colourList)
  list(): Promise<ColourRule[]> {
    return this.domain.list();
  }

  @MessagePattern(LogSubjects.colourSet)
  set(@Payload() request: unknown): Promise<ColourRule[]> {
    return this.domain.set(request);
  }

  @MessagePattern(LogSubjects.colourDelete)
  delete(@Payload() request: unknown): Promise<ColourRule[]> {
    return this.domain.delete(request);
  }
}
