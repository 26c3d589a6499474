import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { openDataSource, parseDatabaseUrl, type DatabaseTarget } from '@msec/persistence';
import { EventStreams, GatewayEventSubjects, NatsRole } from '@msec/contracts';
import { EventStore } from '@msec/bus';
import { startMariaDb, startNats, type InfraServer } from '@msec/testing';
import { AuthEvents } from '../src/auth/auth-events.js';
import { AuditDomain } from '../src/audit/audit.domain.js';
import { AuditPruner } from '../src/audit/audit-pruner.js';
import { Role } from '../src/auth/access.js';
import { SessionsDomain } from '../src/auth/sessions.domain.js';
import { LoginRateLimiter } from '../src/auth/login-rate-limiter.js';
import { TOKEN_PREFIX, TokensDomain } from '../src/auth/tokens.domain.js';
import { sha256 } from '../src/auth/secrets.js';
import { UsersDomain } from '../src/auth/users.domain.js';
import { GATEWAY_ENTITIES, GATEWAY_MIGRATIONS } from '../src/gateway.module.js';
import { GatewayWebhookEvents1799100000000 } from '../src/migrations/webhook-events.migration.js';
import { WebhookEntity } from '../src/webhooks/webhooks.entities.js';
import { WebhookEvents } from '../src/webhooks/webhook-events.js';

const RETENTION = { retentionDays: 365, maxEntries: 1_000_000 };
/** A recorded call; tests change what they look at. */
const call = {
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
};

/**
 * Runs `work` with the gateway's users, tokens and audit log fed by a fresh nats-server (their events) and this
 * database.
 */
async function withGatewayEvents(
  dataSource: DataSource,
  work: (events: AuthEvents, audit: AuditDomain, nc: NatsConnection) => Promise<void>,
): Promise<void> {
  const nats = await startNats();
  const nc = await nats.connectAs(NatsRole.gateway);
  const events = new AuthEvents(nc, dataSource);
  const audit = new AuditDomain(nc, dataSource, RETENTION, new AuditPruner(dataSource, RETENTION));
  try {
    await events.onModuleInit();
    await audit.onModuleInit();
    await work(events, audit, nc);
  } finally {
    await audit.onApplicationShutdown();
    await events.onApplicationShutdown();
    await nc.close();
    await nats.dispose();
  }
}

async function exercise(dataSource: DataSource, events: AuthEvents, audit: AuditDomain, dataDir: string): Promise<void> {
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
        await withGatewayEvents(dataSource, (events, audit) => exercise(dataSource, events, audit, join(dir, kind)));
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
    it(`gateway schema - an existing ${kind} database upgrades: its API tokens become read-write and keep their expiry, its audit log becomes events with its ids`, async () => {
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
          `INSERT INTO gateway_audit_log (at, actor, role, via, method, path, status, result, ip, request_id) VALUES (${Date.now() - 60_000}, 'olga', 'developer', 'token', 'POST', '/api/v1/x', 201, 'ok', '127.0.0.1', 'r0')`,
        );
        // Ids with a gap, as pruning and failed inserts leave them.
        for (const id of [40, 41])
          await old.query(
            `INSERT INTO gateway_audit_log (id, at, actor, role, via, method, path, status, result, ip, request_id) VALUES (${id}, ${Date.now()}, 'olga', 'developer', 'token', 'DELETE', '/api/v1/y/${id}', 200, 'ok', '127.0.0.1', 'r${id}')`,
          );
      } finally {
        await old.destroy();
      }
      const dataSource = await openDataSource({ target, entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS });
      try {
        await withGatewayEvents(dataSource, async (events, audit, nc) => {
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

          // The old audit log is carried into the audit stream with its ids; new entries sort after it.
          const imported = (await audit.list(10, undefined, 'olga')).items;
          assert.deepEqual(
            imported.map((e) => e.id),
            [41, 40, 1],
          );
          assert.equal(imported[2]?.detail, null);
          await audit.record({ ...call, actor: 'olga', path: '/api/v1/after-upgrade', requestId: 'r-new' });
          const [newest] = (await audit.list(10, undefined, 'olga')).items;
          assert.equal(newest?.path, '/api/v1/after-upgrade');
          assert.ok((newest?.id ?? 0) > 41, `a new entry's id (${newest?.id}) is above the old ones`);
          const live = (await audit.list(10, undefined, undefined)).items;
          assert.deepEqual(await audit.rebuild(), { auditEntries: live.length });
          assert.deepEqual((await audit.list(10, undefined, undefined)).items, live, 'a rebuild gives every entry its id');
          // A second gateway starting on the upgraded database imports nothing again.
          const again = new AuditDomain(nc, dataSource, RETENTION, new AuditPruner(dataSource, RETENTION));
          await again.onModuleInit();
          await again.onApplicationShutdown();
          const stream = await (await jetstreamManager(nc)).streams.info(EventStreams.audit);
          assert.equal(stream.state.messages, 4, 'three imported entries and one new call, each once');
        });
        for (let i = 0; i < GATEWAY_MIGRATIONS.length; i++) await dataSource.undoLastMigration();
        // The projections' checkpoints are shared by every service of a database, so no migration drops them.
        await dataSource.query('DROP TABLE IF EXISTS projection_checkpoint');
      } finally {
        await dataSource.destroy();
      }
    });
  }

  it('gateway schema - webhooks of the previous version become events once, their URL and secret kept out of them, and survive a rebuild', async () => {
    const target: DatabaseTarget = { kind: 'sqlite', file: join(dir, 'webhooks-upgrade.sqlite') };
    const previous = GATEWAY_MIGRATIONS.slice(0, GATEWAY_MIGRATIONS.indexOf(GatewayWebhookEvents1799100000000));
    const old = await openDataSource({ target, entities: [], migrations: previous });
    try {
      await old.query(
        `INSERT INTO gateway_webhooks (id, url, event_types, secret, max_attempts, created_at, created_by) VALUES ('w-1', 'https://hooks.example.com/T1/B2/credential', '["deploy.ReleaseSucceeded"]', 'whsec_old', 8, 1764000000000, 'olga')`,
      );
    } finally {
      await old.destroy();
    }
    const dataSource = await openDataSource({ target, entities: GATEWAY_ENTITIES, migrations: GATEWAY_MIGRATIONS });
    const nats = await startNats();
    const nc = await nats.connectAs(NatsRole.gateway);
    try {
      const row = () => dataSource.getRepository(WebhookEntity).findOneByOrFail({ id: 'w-1' });
      const upgraded = await row();
      for (let start = 0; start < 2; start++) {
        const events = new WebhookEvents(nc, dataSource);
        await events.onModuleInit();
        await events.onApplicationShutdown();
      }
      const stored = (await new EventStore(nc).read(GatewayEventSubjects.webhooks)).events;
      assert.deepEqual(
        stored.map((e) => e.event.type),
        ['gateway.WebhookImported'],
        'imported once over two starts',
      );
      assert.ok(!JSON.stringify(stored).includes('credential') && !JSON.stringify(stored).includes('whsec_old'));
      const events = new WebhookEvents(nc, dataSource);
      await events.onModuleInit();
      assert.deepEqual(await events.rebuild(), { webhooks: 1 });
      await events.onApplicationShutdown();
      assert.deepEqual(await row(), upgraded);
      assert.equal(upgraded.url, 'https://hooks.example.com/T1/B2/credential');
      assert.equal(upgraded.secret, 'whsec_old');
    } finally {
      await nc.close();
      await nats.dispose();
      await dataSource.destroy();
    }
  });
});
