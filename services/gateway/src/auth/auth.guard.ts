import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { csrfRejected, forbidden, noRoleDeclared, passwordChangeRequired, tokenReadOnly, unauthenticated } from '../gateway.errors.js';
import type { GatewayRequest, Principal } from '../http/request-context.js';
import { ACCESS_RULE, Role, roleAtLeast, type AccessRule } from './access.js';
import { sameSecret } from './secrets.js';
import { SessionsDomain } from './sessions.domain.js';
import { TokenScope, TokensDomain } from './tokens.domain.js';

/** Cookie carrying the session secret (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'msec_session';
/** Cookie carrying the CSRF token, readable by the console's script so it can echo it. */
export const CSRF_COOKIE = 'msec_csrf';
/** Header a cookie-authenticated mutation must carry with the CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one global guard: every HTTP route must declare @Access or @Public (deny by default); the caller is
 * found from a bearer API token or the session cookie; cookie mutations need the CSRF header; mutations need
 * at least `developer` unless they are self-service; a user with a one-time password may only change it; a read-only
 * API token acts as viewer and changes nothing.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(SessionsDomain) private readonly sessions: SessionsDomain,
    @Inject(TokensDomain) private readonly tokens: TokensDomain,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [context.getHandler(), context.getClass()]);
    if (!rule) throw noRoleDeclared(`${context.getClass().name}.${context.getHandler().name}`);
    if (rule.role === 'public') return true;
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const mutating = !SAFE_METHODS.has(req.method);
    const principal = await this.authenticate(req, mutating);
    req.principal = principal;
    if (principal.mustChangePassword && !rule.beforePasswordChange) throw passwordChangeRequired();
    const readOnly = principal.tokenScope === TokenScope.readOnly;
    if (mutating && readOnly && !rule.readOnlyToken) throw tokenReadOnly();
    const needed = mutating && !rule.selfService && !roleAtLeast(rule.role, Role.developer) ? Role.developer : rule.role;
    if (!roleAtLeast(principal.role, needed)) throw forbidden(principal.role, needed, readOnly);
    return true;
  }

  private async authenticate(req: GatewayRequest, mutating: boolean): Promise<Principal> {
    const authorization = req.header('authorization');
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const principal = match?.[1] ? await this.tokens.resolve(match[1]) : undefined;
      if (!principal) throw unauthenticated('the API token is unknown, expired or revoked');
      return principal;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    if (!cookie) throw unauthenticated('not logged in');
    const session = await this.sessions.resolve(cookie);
    if (!session) throw unauthenticated('the session expired or was ended');
    if (mutating) {
      const header = req.header(CSRF_HEADER);
      if (!header || !sameSecret(header, session.csrfToken)) throw csrfRejected();
    }
    return session.principal;
  }
}
