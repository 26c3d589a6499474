import { Injectable, Inject } from '@nestjs/common';
import { DataSource, LessThan, type Repository } from 'typeorm';
import { badCredentials, loginRateLimited } from '../gateway.errors.js';
import type { Principal } from '../http/request-context.js';
import { SessionEntity, UserEntity } from './auth.entities.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { DUMMY_HASH_PROMISE, verifyPassword } from './password-hasher.js';
import { randomSecret, sha256 } from './secrets.js';
import { userView, type UserView } from './users.domain.js';

/** How long a browser session lives after login. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** What a successful login hands back: the cookie value (secret) and the CSRF token the browser must echo. */
export interface LoginResult {
  user: UserView;
  sessionToken: string;
  csrfToken: string;
  expiresAt: number;
}

/** A resolved session: the principal plus the CSRF token its mutations must carry. */
export interface SessionPrincipal {
  principal: Principal;
  csrfToken: string;
}

/** Password login, rate-limited per username and address, and browser sessions stored by hash. */
@Injectable()
export class SessionsDomain {
  private readonly sessions: Repository<SessionEntity>;
  private readonly users: Repository<UserEntity>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(LoginRateLimiter) private readonly limiter: LoginRateLimiter,
  ) {
    this.sessions = dataSource.getRepository(SessionEntity);
    this.users = dataSource.getRepository(UserEntity);
  }

  /** Checks the password (429 after too many failures) and opens a session. */
  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    const wait = this.limiter.retryAfterSeconds(username, ip);
    if (wait > 0) throw loginRateLimited(wait);
    const user = await this.users.findOneBy({ username });
    const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !ok) {
      this.limiter.fail(username, ip);
      throw badCredentials();
    }
    this.limiter.succeed(username, ip);
    const sessionToken = randomSecret();
    const csrfToken = randomSecret();
    const now = Date.now();
    const expiresAt = now + SESSION_TTL_MS;
    await this.sessions.insert({ id: sha256(sessionToken), userId: user.id, csrfToken, createdAt: now, expiresAt });
    await this.sessions.delete({ expiresAt: LessThan(now) });
    return { user: userView(user), sessionToken, csrfToken, expiresAt };
  }

  /** The principal behind a session cookie, or undefined when unknown or expired. */
  async resolve(sessionToken: string): Promise<SessionPrincipal | undefined> {
    const id = sha256(sessionToken);
    const session = await this.sessions.findOneBy({ id });
    if (!session || session.expiresAt <= Date.now()) return undefined;
    const user = await this.users.findOneBy({ id: session.userId });
    if (!user) return undefined;
    return {
      csrfToken: session.csrfToken,
      principal: {
        userId: user.id,
        username: user.username,
        role: user.role,
        via: 'session',
        sessionId: id,
        mustChangePassword: user.mustChangePassword,
      },
    };
  }

  /** True while the session exists and has not expired (a long-lived stream checks its caller with it). */
  async isLive(sessionId: string): Promise<boolean> {
    const session = await this.sessions.findOneBy({ id: sessionId });
    return session !== null && session.expiresAt > Date.now();
  }

  /** Ends one session. */
  async logout(sessionId: string): Promise<void> {
    await this.sessions.delete({ id: sessionId });
  }
}
