import { randomUUID } from 'node:crypto';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource, IsNull, MoreThan, type Repository } from 'typeorm';
import { ValidationError } from '@msec/contracts';
import { conflict, notFound } from '../gateway.errors.js';
import { pageOf, type Page } from '../http/pagination.js';
import { Role } from './access.js';
import { ApiTokenEntity, SessionEntity, UserEntity } from './auth.entities.js';
import { revokeCredentials, type RevokedCredentials } from './credential-revocation.js';
import { hashPassword, verifyPassword } from './password-hasher.js';
import { randomSecret } from './secrets.js';

/** A user as the API shows it (never the hash). */
export interface UserView {
  id: string;
  username: string;
  role: string;
  mustChangePassword: boolean;
  createdAt: string;
}

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

/** Users and their passwords: creation, first admin, password change, role change, removal. */
export class UsersDomain {
  private readonly logger = new Logger('users');
  private readonly users: Repository<UserEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly dataDir: string,
  ) {
    this.users = dataSource.getRepository(UserEntity);
  }

  /** First run: creates `admin` with a random one-time password, written to `<dataDir>/initial-admin-password` (0600) and logged once. */
  async ensureInitialAdmin(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const password = randomSecret(15);
    try {
      await this.insert(INITIAL_ADMIN, password, Role.admin, true);
    } catch (error) {
      // Another gateway instance won the race.
      if ((await this.users.count()) > 0) return;
      throw error;
    }
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
    return userView(await this.insert(username, password, role, mustChangePassword));
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
    user.passwordHash = await hashPassword(next);
    user.mustChangePassword = false;
    user.updatedAt = Date.now();
    const revoked = await this.dataSource.transaction(async (m) => {
      await m.save(user);
      return revokeCredentials(m, user.id, keepSessionId);
    });
    if (user.username === INITIAL_ADMIN) await rm(join(this.dataDir, INITIAL_ADMIN_PASSWORD_FILE), { force: true });
    return { ...userView(user), revoked };
  }

  /**
   * Admin change of a user's role and/or password (a reset password must be changed at next login). Either change
   * ends all the user's sessions and revokes all their API tokens; a request that changes nothing ends nothing.
   */
  async update(username: string, change: { role?: Role; password?: string }, actorId: string): Promise<UserChange> {
    const user = await this.byName(username);
    if (!user) throw notFound(`user ${username}`);
    let changed = false;
    if (change.role && change.role !== user.role) {
      if (user.id === actorId) throw conflict('you cannot change your own role; ask another admin', 'role');
      if (user.role === Role.admin) await this.keepAnAdmin();
      user.role = change.role;
      changed = true;
    }
    if (change.password !== undefined) {
      checkPassword('body.password', change.password);
      user.passwordHash = await hashPassword(change.password);
      user.mustChangePassword = true;
      changed = true;
    }
    if (!changed) return { ...userView(user), revoked: { sessions: 0, tokens: 0 } };
    user.updatedAt = Date.now();
    const revoked = await this.dataSource.transaction(async (m) => {
      await m.save(user);
      return revokeCredentials(m, user.id);
    });
    return { ...userView(user), revoked };
  }

  /** Removes a user with their sessions and tokens; never oneself nor the last admin. Returns what it ended. */
  async remove(username: string, actorId: string): Promise<RevokedCredentials> {
    const user = await this.byName(username);
    if (!user) throw notFound(`user ${username}`);
    if (user.id === actorId) throw conflict('you cannot delete yourself', 'username');
    if (user.role === Role.admin) await this.keepAnAdmin();
    return this.dataSource.transaction(async (m) => {
      const tokens = await m.countBy(ApiTokenEntity, { userId: user.id, revokedAt: IsNull() });
      const sessions = await m.delete(SessionEntity, { userId: user.id });
      await m.delete(ApiTokenEntity, { userId: user.id });
      await m.delete(UserEntity, { id: user.id });
      return { sessions: sessions.affected ?? 0, tokens };
    });
  }

  private async keepAnAdmin(): Promise<void> {
    if ((await this.users.countBy({ role: Role.admin })) <= 1) throw conflict('this is the last admin; make another user admin first');
  }

  private async insert(username: string, password: string, role: Role, mustChangePassword: boolean): Promise<UserEntity> {
    const now = Date.now();
    const user = this.users.create({
      id: randomUUID(),
      username,
      passwordHash: await hashPassword(password),
      role,
      mustChangePassword,
      createdAt: now,
      updatedAt: now,
    });
    return this.users.save(user);
  }
}

function checkPassword(field: string, password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new ValidationError(field, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
}
