import { Controller, Inject, Req, Sse, type MessageEvent } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { concatMap, filter, interval, map, merge, takeUntil, type Observable } from 'rxjs';
import { Access, Role } from '../auth/access.js';
import { SessionsDomain } from '../auth/sessions.domain.js';
import { TokensDomain } from '../auth/tokens.domain.js';
import type { GatewayRequest, Principal } from '../http/request-context.js';
import { EventsBridge } from './events.bridge.js';

/** Keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** How often an open stream checks that its session or token still holds (revoked, expired or logged out: it ends). */
export const STREAM_CREDENTIAL_CHECK_MS = 5_000;

/** Live platform events for the console (Server-Sent Events). */
@ApiTags('events')
@Controller('api/v1/events')
export class EventsController {
  constructor(
    @Inject(EventsBridge) private readonly bridge: EventsBridge,
    @Inject(SessionsDomain) private readonly sessions: SessionsDomain,
    @Inject(TokensDomain) private readonly tokens: TokensDomain,
  ) {}

  @Sse('stream')
  @Access(Role.viewer)
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Server-Sent Events: every NATS message on msec.events.> as `event: msec` with {subject, at, data}; `event: ping` every 15 s; ends within 5 s once its session or token is ended',
  })
  stream(@Req() req: GatewayRequest): Observable<MessageEvent> {
    const principal = req.principal!;
    const ended$ = interval(STREAM_CREDENTIAL_CHECK_MS).pipe(
      concatMap(() => this.stillValid(principal)),
      filter((valid) => !valid),
    );
    return merge(
      this.bridge.events$.pipe(map((e): MessageEvent => ({ type: 'msec', data: e }))),
      interval(HEARTBEAT_MS).pipe(map((): MessageEvent => ({ type: 'ping', data: {} }))),
    ).pipe(takeUntil(ended$));
  }

  private async stillValid(principal: Principal): Promise<boolean> {
    try {
      if (principal.tokenId) return await this.tokens.isLive(principal.tokenId);
      return principal.sessionId ? await this.sessions.isLive(principal.sessionId) : false;
    } catch {
      // A database hiccup is no reason to cut every console off; the next check decides.
      return true;
    }
  }
}
