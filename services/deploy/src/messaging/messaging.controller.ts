import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BusApiSubjects,
  type BusCancelReply,
  type BusConsumerView,
  type BusDeadLetterView,
  type BusPublishReply,
  type BusStreamView,
  type BusTraceView,
} from '@msec/contracts';
import { MessagingDomain } from './messaging.domain.js';

/** The bus API `msec.bus.*`: publish, streams and consumers with lag, trace, dead letters. Callers check roles. */
@Controller()
export class MessagingController {
  constructor(@Inject(MessagingDomain) private readonly messaging: MessagingDomain) {}

  @MessagePattern(BusApiSubjects.publish)
  publish(@Payload() body: unknown): Promise<BusPublishReply> {
    return this.messaging.publish(body);
  }

  @MessagePattern(BusApiSubjects.streams)
  streams(): Promise<BusStreamView[]> {
    return this.messaging.streams();
  }

  @MessagePattern(BusApiSubjects.consumers)
  consumers(@Payload() body: unknown): Promise<BusConsumerView[]> {
    return this.messaging.consumers(body);
  }

  @MessagePattern(BusApiSubjects.trace)
  trace(@Payload() body: unknown): Promise<BusTraceView> {
    return this.messaging.trace(body);
  }

  @MessagePattern(BusApiSubjects.deadLettersList)
  deadLetters(@Payload() body: unknown): Promise<BusDeadLetterView[]> {
    return this.messaging.deadLetters(body);
  }

  @MessagePattern(BusApiSubjects.deadLettersInspect)
  inspect(@Payload() body: unknown): Promise<BusDeadLetterView[]> {
    return this.messaging.inspect(body);
  }

  @MessagePattern(BusApiSubjects.deadLettersRedrive)
  redrive(@Payload() body: unknown): Promise<{ redriven: BusDeadLetterView[] }> {
    return this.messaging.redrive(body);
  }

  @MessagePattern(BusApiSubjects.scheduledCancel)
  cancel(@Payload() body: unknown): Promise<BusCancelReply> {
    return this.messaging.cancel(body);
  }

  @MessagePattern(BusApiSubjects.deadLettersDiscard)
  discard(@Payload() body: unknown): Promise<{ discarded: number }> {
    return this.messaging.discard(body);
  }
}
