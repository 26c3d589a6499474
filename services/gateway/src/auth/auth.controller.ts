import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { JsonBody } from '../http/api-params.js';
import type { GatewayRequest } from '../http/request-context.js';
import { s, type Infer } from '../http/schema.js';
import { Access, Public, Role } from './access.js';
import { CSRF_COOKIE, SESSION_COOKIE } from './auth.guard.js';
import { SESSION_TTL_MS, SessionsDomain } from './sessions.domain.js';
import { describeRevoked } from './credential-revocation.js';
import { UsersDomain, userView, type UserChange } from './users.domain.js';
import type { MeView } from '@msec/contracts';

const loginBody = s.object({ username: s.string({ min: 1, max: 64 }), password: s.string({ min: 1, max: 200 }) });
const passwordBody = s.object({ currentPassword: s.string({ min: 1, max: 200 }), newPassword: s.string({ min: 1, max: 200 }) });

/** Who is calling, as `GET /api/v1/auth/me` answers (`scope` only when calling with an API token). */
export type Me = MeView;

/** Login, logout, who-am-I and changing one's own password. */
@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    @Inject(SessionsDomain) private readonly sessions: SessionsDomain,
    @Inject(UsersDomain) private readonly users: UsersDomain,
  ) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary:
      'Log in with username and password: sets the session cookie and returns the CSRF token (5 failures a minute per user and address → 429)',
  })
  async login(@JsonBody(loginBody) body: Infer<typeof loginBody>, @Req() req: GatewayRequest, @Res({ passthrough: true }) res: Response) {
    req.auditActor = body.username;
    const result = await this.sessions.login(body.username, body.password, req.ip ?? 'unknown');
    const secure = req.secure;
    res.cookie(SESSION_COOKIE, result.sessionToken, { httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: SESSION_TTL_MS });
    res.cookie(CSRF_COOKIE, result.csrfToken, { httpOnly: false, sameSite: 'strict', secure, path: '/', maxAge: SESSION_TTL_MS });
    return { user: result.user, csrfToken: result.csrfToken, expiresAt: new Date(result.expiresAt).toISOString() };
  }

  @Post('logout')
  @HttpCode(204)
  @Access(Role.viewer, { selfService: true, beforePasswordChange: true })
  @ApiOperation({ summary: 'End the current browser session' })
  async logout(@Req() req: GatewayRequest, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (req.principal?.sessionId) await this.sessions.logout(req.principal.sessionId);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.clearCookie(CSRF_COOKIE, { path: '/' });
  }

  @Get('me')
  @Access(Role.viewer, { beforePasswordChange: true })
  @ApiOperation({ summary: 'The calling user, their role and whether they must change their password' })
  async me(@Req() req: GatewayRequest): Promise<Me> {
    const principal = req.principal!;
    const user = await this.users.byId(principal.userId);
    return { ...userView(user), via: principal.via, ...(principal.tokenScope ? { scope: principal.tokenScope } : {}) };
  }

  @Post('password')
  @HttpCode(200)
  @Access(Role.viewer, { selfService: true, beforePasswordChange: true })
  @ApiOperation({
    summary:
      'Change your own password (required after the first login with a one-time password); ends your other sessions and revokes all your API tokens, the one making the change included',
  })
  async changePassword(@JsonBody(passwordBody) body: Infer<typeof passwordBody>, @Req() req: GatewayRequest): Promise<UserChange> {
    const principal = req.principal!;
    const changed = await this.users.changeOwnPassword(principal.userId, body.currentPassword, body.newPassword, principal.sessionId);
    req.auditDetail = describeRevoked(changed.revoked);
    return changed;
  }
}
