import { Controller, Inject, Sse, type MessageEvent } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { interval, map, merge, type Observable } from 'rxjs';
import { Access, Role } from '../auth/access.js';
import { EventsBridge } from './events.bridge.js';

/** Keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** Live platform events for the console (Server-Sent Events). */
@ApiTags('events')
@Controller('api/v1/events')
export class EventsController {
  constructor(@Inject(EventsBridge) private readonly bridge: EventsBridge) {}

  @Sse('stream')
  @Access(Role.viewer)
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Server-Sent Events: every NATS message on msec.events.> as `event: msec` with {subject, at, data}; `event: ping` every 15 s',
  })
  stream(): Observable<MessageEvent> {
    return merge(
      this.bridge.events$.pipe(map((e): MessageEvent => ({ type: 'msec', data: e }))),
      interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'ping', data: {} }))),
    );
  }
}
