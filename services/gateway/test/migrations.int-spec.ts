import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openDataSource, parseDatabaseUrl, type DatabaseTarget } from '@msec/persistence';
import { NatsRole } from '@msec/contracts';
import { startMariaDb, startNats, type InfraServer } from '@msec/testing';
import { AuthEvents } from '../src/auth/auth-events.js';
import { AuditDomain } from '../src/audit/audit.domain.js';
import { Role } from '../src/auth/access.js';
import { SessionsDomain } from '../src/auth/sessions.domain.js';
import { LoginRateLimiter } from '../src/auth/login-rate-limiter.js';
import { TOKEN_PREFIX, TokensDomain } from '../src/auth/tokens.domain.js';
import { sha256 } from '../src/auth/secrets.js';
import { UsersDomain } from '../src/auth/users.domain.js';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from '../src/gateway.module.js';

/** Runs `work` with the gateway's users and tokens fed by a fresh nats-server (their events) and this database. */
async function withAuthEvents(dataSource: DataSource, work: (events: AuthEvents) => Promise<void>): Promise<void> {
  const nats = await startNats();
  const nc = await nats.connectAs(NatsRole.gateway);
  const events = new AuthEvents(nc, dataSource);
  try {
    await events.onModuleInit();
    await work(events);
  } finally {
    await events.onApplicationShutdown();
    await nc.close();
    await nats.dispose();
  }
}

async function exercise(dataSource: DataSource, events: AuthEvents, dataDir: string): Promise<void> {
  const users = new UsersDomain(dataSource, events, dataDir);
  await users.ensureInitialAdmin();
  const created = await users.create('maria', 'maria-password-1', Role.developer, false);
  const page = await users.list(1, undefined);
  assert.equal(page.items.length, 1);
  assert.ok(page.nextCursor);
  const login = await new SessionsDomain(dataSource, new LoginRateLimiter()).login('maria', 'maria-password-1', '127.0.0.1');
  assert.equal(login.user.id, created.id);
  const tokens = new TokensDomain(dataSource, events);
  const token = await tokens.create(created.id, { name: 'ci', expiresInDays: 30, scope: 'read-only' });
  assert.equal((await tokens.resolve(token.token))?.username, 'maria');
  assert.equal((await tokens.resolve(token.token))?.tokenScope, 'read-only');
  const audit = new AuditDomain(dataSource);
  await audit.record({
    at: Date.now(),
    actor: 'maria',
    role: 'developer',
    via: 'token',
    method: 'POST',
    path: '/api/v1/x',
    status: 201,
    result: 'ok',
    ip: '127.0.0.1',
    requestId: 'r1',
    detail: 'revoked 1 session, 2 API tokens',
  });
  const entries = await audit.list(10, undefined, 'maria');
  assert.equal(entries.items[0]?.status, 201);
  assert.equal(entries.items[0]?.detail, 'revoked 1 session, 2 API tokens');
  assert.equal(typeof entries.items[0]?.id, 'number');
}

describe('gateway schema', () => {
  let maria: InfraServer;
  let dir: string;
  before(async () => {
    maria = await startMariaDb();
    dir = await mkdtemp(join(tmpdir(), 'msec-gateway-schema-'));
  });
  after(async () => {
    await maria?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  for (const kind of ['sqlite', 'mariadb'] as const) {
    it(`gateway schema - migrations create working users, sessions, tokens and audit tables on ${kind}, and revert`, async () => {
      const target: DatabaseTarget =
        kind === 'sqlite' ? { kind: 'sqlite', file: join(dir, 'gateway.sqlite') } : parseDatabaseUrl(maria.url, 'MSEC_DB_URL');
      const dataSource = await openDataSource({ target, entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS });
      try {
        await withAuthEvents(dataSource, (events) => exercise(dataSource, events, join(dir, kind)));
        for (let i = 0; i < GATEWAY_MIGRATIONS.length; i++) await dataSource.undoLastMigration();
        // The projections' checkpoints are shared by every service of a database, so no migration drops them.
        await dataSource.query('DROP TABLE IF EXISTS projection_checkpoint');
        const runner = dataSource.createQueryRunner();
        assert.equal(await runner.hasTable('gateway_users'), false);
        await runner.release();
      } finally {
        await dataSource.destroy();
      }
    });
  }

  for (const kind of ['sqlite', 'mariadb'] as const) {
    it(`gateway schema - an existing ${kind} database upgrades: its API tokens become read-write and keep their expiry`, async () => {
      const target: DatabaseTarget =
        kind === 'sqlite' ? { kind: 'sqlite', file: join(dir, 'upgrade.sqlite') } : parseDatabaseUrl(maria.url, 'MSEC_DB_URL');
      const [first] = GATEWAY_MIGRATIONS;
      const old = await openDataSource({ target, entities: [], migrations: [first!] });
      const secret = `${TOKEN_PREFIX}from-before-scopes`;
      const expiresAt = Date.now() + 5 * 86_400_000;
      try {
        await old.query(
          `INSERT INTO gateway_users (id, username, password_hash, role, must_change_password, created_at, updated_at) VALUES ('u-1', 'olga', 'x', 'developer', 0, 1, 1)`,
        );
        await old.query(
          `INSERT INTO gateway_api_tokens (id, user_id, name, token_hash, prefix, created_at, expires_at) VALUES ('t-1', 'u-1', 'old', '${sha256(secret)}', 'msec_from', 1, ${expiresAt})`,
        );
        await old.query(
          `INSERT INTO gateway_audit_log (at, actor, role, via, method, path, status, result, ip, request_id) VALUES (1, 'olga', 'developer', 'token', 'POST', '/api/v1/x', 201, 'ok', '127.0.0.1', 'r0')`,
        );
      } finally {
        await old.destroy();
      }
      const dataSource = await openDataSource({ target, entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS });
      try {
        await withAuthEvents(dataSource, async (events) => {
          // The rows of the previous version are carried into the event stream and read back through the projection.
          const tokens = new TokensDomain(dataSource, events);
          const principal = await tokens.resolve(secret);
          assert.equal(principal?.tokenScope, 'read-write');
          assert.equal(principal?.role, 'developer');
          const [listed] = (await tokens.list('u-1', 10, undefined)).items;
          assert.equal(listed?.scope, 'read-write');
          assert.equal(listed?.expiresAt, new Date(expiresAt).toISOString());
          assert.deepEqual(await events.rebuild(), { users: 1, tokens: 1 });
          assert.equal((await tokens.resolve(secret))?.username, 'olga', 'the token still works after a rebuild');
        });
        const [entry] = (await new AuditDomain(dataSource).list(10, undefined, 'olga')).items;
        assert.equal(entry?.detail, null);
        for (let i = 0; i < GATEWAY_MIGRATIONS.length; i++) await dataSource.undoLastMigration();
        // The projections' checkpoints are shared by every service of a database, so no migration drops them.
        await dataSource.query('DROP TABLE IF EXISTS projection_checkpoint');
      } finally {
        await dataSource.destroy();
      }
    });
  }
});
