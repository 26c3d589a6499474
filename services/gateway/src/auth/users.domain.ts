import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource, IsNull, MoreThan, Not, type Repository } from 'typeorm';
import { createEvent } from '@msec/bus';
import { GatewayEventSubjects, GatewayEventType, ValidationError, type UserView } from '@msec/contracts';
import { conflict, notFound } from '../gateway.errors.js';
import { pageOf, type Page } from '../http/pagination.js';
import { Role } from './access.js';
import { ApiTokenEntity, SessionEntity, UserEntity } from './auth.entities.js';
import type { RevokedCredentials } from './credential-revocation.js';
import type { AuthEvents } from './auth-events.js';
import { foldUsers, type GatewayEvent } from './auth.projection.js';
import { hashPassword, verifyPassword } from './password-hasher.js';
import { randomSecret } from './secrets.js';

/** A user as the API shows it (never the hash); the wire type is in @msec/contracts. */
export type { UserView };

/** A user after a change of password or role, with the credentials the change ended. */
export interface UserChange extends UserView {
  revoked: RevokedCredentials;
}

/** Name of the file, in the data folder, holding the first admin's one-time password. */
export const INITIAL_ADMIN_PASSWORD_FILE = 'initial-admin-password';
/** Username of the first admin. */
export const INITIAL_ADMIN = 'admin';

/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 10;

/** Shows a user without secrets. */
export function userView(u: UserEntity): UserView {
  return {
    id: u.id,
    username: u.username,
    role: u.role,
    mustChangePassword: u.mustChangePassword,
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

/**
 * Users and their passwords: creation, first admin, password change, role change, removal. Each change is a
 * `gateway.User*` event decided on the users' events (a name is taken once, the last admin stays, across gateways);
 * sessions are volatile and ended here directly.
 */
export class UsersDomain {
  private readonly logger = new Logger('users');
  private readonly users: Repository<UserEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: AuthEvents,
    private readonly dataDir: string,
  ) {
    this.users = dataSource.getRepository(UserEntity);
  }

  /** First run: creates `admin` with a random one-time password, written to `<dataDir>/initial-admin-password` (0600) and logged once. */
  async ensureInitialAdmin(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const password = randomSecret(15);
    const credentialRef = await this.events.keepSecret(await hashPassword(password));
    const userId = randomUUID();
    // Of gateways starting together, the one whose event lands first creates it; the others see a user and stop.
    const created = await this.events.decide(GatewayEventSubjects.users, (events) => {
      if (foldUsers(events).size > 0) return { append: [], result: false };
      const payload = { userId, username: INITIAL_ADMIN, role: Role.admin, mustChangePassword: true, credentialRef };
      return { append: [createEvent(GatewayEventType.userCreated, userId, payload)], result: true };
    });
    if (!created) return;
    await mkdir(this.dataDir, { recursive: true });
    const file = join(this.dataDir, INITIAL_ADMIN_PASSWORD_FILE);
    await writeFile(file, `${password}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
    this.logger.log(
      `created user "${INITIAL_ADMIN}" with a one-time password, written to ${file} (mode 0600, never to a log); change it at first login`,
    );
  }

  /** Creates a user; 409 when the name is taken. */
  async create(username: string, password: string, role: Role, mustChangePassword = true): Promise<UserView> {
    checkPassword('password', password);
    if (await this.users.findOneBy({ username })) throw conflict(`user ${username} already exists`, 'username');
    const credentialRef = await this.events.keepSecret(await hashPassword(password));
    const userId = randomUUID();
    await this.events.decide(GatewayEventSubjects.users, (events) => {
      if ([...foldUsers(events).values()].some((u) => u.username === username))
        throw conflict(`user ${username} already exists`, 'username');
      const payload = { userId, username, role, mustChangePassword, credentialRef };
      return { append: [createEvent(GatewayEventType.userCreated, userId, payload)], result: undefined };
    });
    return userView(await this.byId(userId));
  }

  /** Users ordered by name, a page at a time. */
  async list(limit: number, after: string | undefined): Promise<Page<UserView>> {
    const rows = await this.users.find({ where: after ? { username: MoreThan(after) } : {}, order: { username: 'ASC' }, take: limit + 1 });
    return pageOf(rows, limit, (u) => u.username, userView);
  }

  /** The user with this id, or 404. */
  async byId(id: string): Promise<UserEntity> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw notFound(`user ${id}`);
    return user;
  }

  /** The user with this name, or undefined. */
  byName(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  /**
   * Changes one's own password after checking the current one; clears the one-time flag and the first-run file.
   * Every other session of the user ends and every API token is revoked, the one making the change included:
   * whoever knew the old password may have made them. The session making the change (`keepSessionId`) stays.
   */
  async changeOwnPassword(userId: string, current: string, next: string, keepSessionId?: string): Promise<UserChange> {
    const user = await this.byId(userId);
    if (!(await verifyPassword(current, user.passwordHash)))
      throw new ValidationError('body.currentPassword', 'is not your current password');
    checkPassword('body.newPassword', next);
    if (current === next) throw new ValidationError('body.newPassword', 'must differ from the current password');
    const credentialRef = await this.events.keepSecret(await hashPassword(next));
    const tokens = await this.liveTokens(user.id);
    await this.events.decide(GatewayEventSubjects.users, (events) => {
      if (!foldUsers(events).has(user.id)) throw notFound(`user ${user.id}`);
      const payload = { userId: user.id, credentialRef, mustChangePassword: false };
      return { append: [createEvent(GatewayEventType.userPasswordChanged, user.id, payload)], result: undefined };
    });
    const sessions = await this.endSessions(user.id, keepSessionId);
    if (user.username === INITIAL_ADMIN) await rm(join(this.dataDir, INITIAL_ADMIN_PASSWORD_FILE), { force: true });
    return { ...userView(await this.byId(user.id)), revoked: { sessions, tokens } };
  }

  /**
   * Admin change of a user's role and/or password (a reset password must be changed at next login). Either change
   * ends all the user's sessions and revokes all their API tokens; a request that changes nothing ends nothing.
   */
  async update(username: string, change: { role?: Role; password?: string }, actorId: string): Promise<UserChange> {
    const user = await this.byName(username);
    if (!user) throw notFound(`user ${username}`);
    if (change.role && change.role !== user.role && user.id === actorId)
      throw conflict('you cannot change your own role; ask another admin', 'role');
    if (change.password !== undefined) checkPassword('body.password', change.password);
    const credentialRef = change.password === undefined ? undefined : await this.events.keepSecret(await hashPassword(change.password));
    const tokens = await this.liveTokens(user.id);
    const changed = await this.events.decide(GatewayEventSubjects.users, (events) => {
      const users = foldUsers(events);
      const current = users.get(user.id);
      if (current === undefined) throw notFound(`user ${username}`);
      const append: GatewayEvent[] = [];
      if (change.role && change.role !== current.role) {
        if (current.role === Role.admin) keepAnAdmin(users);
        append.push(createEvent(GatewayEventType.userRoleChanged, user.id, { userId: user.id, role: change.role }));
      }
      if (credentialRef !== undefined)
        append.push(
          createEvent(GatewayEventType.userPasswordChanged, user.id, { userId: user.id, credentialRef, mustChangePassword: true }),
        );
      return { append, result: append.length > 0 };
    });
    if (!changed) return { ...userView(user), revoked: { sessions: 0, tokens: 0 } };
    const sessions = await this.endSessions(user.id);
    return { ...userView(await this.byId(user.id)), revoked: { sessions, tokens } };
  }

  /** Removes a user with their sessions and tokens; never oneself nor the last admin. Returns what it ended. */
  async remove(username: string, actorId: string): Promise<RevokedCredentials> {
    const user = await this.byName(username);
    if (!user) throw notFound(`user ${username}`);
    if (user.id === actorId) throw conflict('you cannot delete yourself', 'username');
    const tokens = await this.liveTokens(user.id);
    await this.events.decide(GatewayEventSubjects.users, (events) => {
      const users = foldUsers(events);
      const current = users.get(user.id);
      if (current === undefined) throw notFound(`user ${username}`);
      if (current.role === Role.admin) keepAnAdmin(users);
      return { append: [createEvent(GatewayEventType.userDeleted, user.id, { userId: user.id })], result: undefined };
    });
    return { sessions: await this.endSessions(user.id), tokens };
  }

  private liveTokens(userId: string): Promise<number> {
    return this.dataSource.getRepository(ApiTokenEntity).countBy({ userId, revokedAt: IsNull() });
  }

  /** Ends the user's browser sessions but `keepSessionId`; answers how many. */
  private async endSessions(userId: string, keepSessionId?: string): Promise<number> {
    const where = keepSessionId === undefined ? { userId } : { userId, id: Not(keepSessionId) };
    return (await this.dataSource.getRepository(SessionEntity).delete(where)).affected ?? 0;
  }
}

/** Throws unless another admin would remain. */
function keepAnAdmin(users: Map<string, { role: string }>): void {
  if ([...users.values()].filter((u) => u.role === Role.admin).length <= 1)
    throw conflict('this is the last admin; make another user admin first');
}

function checkPassword(field: string, password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new ValidationError(field, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
}
