import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { NatsRole } from '@msec/contracts';
import { startZooKeeper, TEMP_DIR_PREFIX, type InfraServer } from '@msec/testing';
import { AuditDomain } from '../src/audit/audit.domain.js';
import { AuditPruner } from '../src/audit/audit-pruner.js';
import { AuditEntryEntity } from '../src/audit/audit.entities.js';
import { loadGatewayConfig } from '../src/config/gateway.config.js';
import {
  ApiClient,
  adminClient,
  eventually,
  startServiceProcess,
  startTestGateway,
  userClient,
  type ServiceProcess,
  type TestGateway,
} from './gateway-harness.js';

const DAY_MS = 86_400_000;

/** A new API token of the owner's user, as a client of its own. */
async function tokenClient(
  gw: TestGateway,
  owner: ApiClient,
  body: Record<string, unknown> = {},
): Promise<ApiClient & { tokenId: string }> {
  const created = await owner.call('POST', '/api/v1/tokens', { name: 'automation', ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return Object.assign(new ApiClient(gw.baseUrl, created.body.token as string), { tokenId: created.body.id as string });
}

/** Audit entries of one actor, newest first, once the responses that wrote them have finished. */
async function auditOf(admin: ApiClient, actor: string, path: string): Promise<{ path: string; detail: string | null }[]> {
  return eventually(`audit entry for ${path}`, async () => {
    const items = (await admin.call('GET', `/api/v1/audit?actor=${actor}&limit=50`)).body.items as {
      path: string;
      detail: string | null;
    }[];
    return items.some((e) => e.path === path) ? items : undefined;
  });
}

describe('gateway credentials', () => {
  let gw: TestGateway;
  let admin: ApiClient;

  before(async () => {
    gw = await startTestGateway();
    admin = await adminClient(gw);
  });
  after(() => gw.close());

  it("credentials - an admin password reset revokes the user's API tokens and ends their sessions", async () => {
    const dev = await userClient(gw, admin, 'reset-dev', 'developer');
    const bot = await tokenClient(gw, dev);
    assert.equal((await bot.call('GET', '/api/v1/auth/me')).status, 200);

    const reset = await admin.call('PATCH', '/api/v1/users/reset-dev', { password: 'a-reset-password' });
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(reset.body.revoked, { sessions: 1, tokens: 1 });

    const afterReset = await bot.call('GET', '/api/v1/auth/me');
    assert.equal(afterReset.status, 401);
    assert.equal(afterReset.body.error.code, 'GATEWAY_UNAUTHENTICATED');
    assert.equal((await dev.call('GET', '/api/v1/auth/me')).status, 401);
    const listed = await admin.call('GET', '/api/v1/users');
    assert.equal(listed.body.items.find((u: { username: string }) => u.username === 'reset-dev').mustChangePassword, true);
    const audit = await auditOf(admin, 'admin', '/api/v1/users/reset-dev');
    assert.equal(audit.find((e) => e.path === '/api/v1/users/reset-dev')?.detail, 'revoked 1 session, 1 API token');
  });

  it('credentials - changing a role or deleting a user revokes their tokens; a request that changes nothing revokes nothing', async () => {
    const dev = await userClient(gw, admin, 'role-dev', 'developer');
    const bot = await tokenClient(gw, dev);
    const same = await admin.call('PATCH', '/api/v1/users/role-dev', { role: 'developer' });
    assert.deepEqual(same.body.revoked, { sessions: 0, tokens: 0 });
    assert.equal((await bot.call('GET', '/api/v1/auth/me')).status, 200);

    const demoted = await admin.call('PATCH', '/api/v1/users/role-dev', { role: 'viewer' });
    assert.equal(demoted.status, 200, JSON.stringify(demoted.body));
    assert.deepEqual(demoted.body.revoked, { sessions: 1, tokens: 1 });
    assert.equal((await bot.call('GET', '/api/v1/auth/me')).status, 401);

    const doomed = await userClient(gw, admin, 'doomed', 'viewer');
    await tokenClient(gw, doomed);
    await tokenClient(gw, doomed);
    assert.equal((await admin.call('DELETE', '/api/v1/users/doomed')).status, 204);
    const audit = await auditOf(admin, 'admin', '/api/v1/users/doomed');
    assert.equal(audit.find((e) => e.path === '/api/v1/users/doomed')?.detail, 'revoked 1 session, 2 API tokens');
  });

  it("credentials - a password change ends the user's other sessions and revokes their tokens; the changing session stays", async () => {
    const laptop = await userClient(gw, admin, 'two-sessions', 'developer');
    const phone = new ApiClient(gw.baseUrl);
    await phone.login('two-sessions', 'two-sessions-password-2');
    const bot = await tokenClient(gw, phone);
    assert.equal((await laptop.call('GET', '/api/v1/auth/me')).status, 200);

    const changed = await phone.call('POST', '/api/v1/auth/password', {
      currentPassword: 'two-sessions-password-2',
      newPassword: 'two-sessions-password-3',
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(changed.body.revoked, { sessions: 1, tokens: 1 });

    const other = await laptop.call('GET', '/api/v1/auth/me');
    assert.equal(other.status, 401);
    assert.equal(other.body.error.code, 'GATEWAY_UNAUTHENTICATED');
    assert.equal((await bot.call('GET', '/api/v1/auth/me')).status, 401);
    assert.equal((await phone.call('GET', '/api/v1/auth/me')).status, 200);
    // The session that made the change can still change things (its CSRF token is still valid).
    assert.equal((await phone.call('POST', '/api/v1/tokens', { name: 'after-change' })).status, 201);
  });

  it('credentials - a password change made with an API token revokes that token too', async () => {
    const user = await userClient(gw, admin, 'token-changer', 'viewer');
    const bot = await tokenClient(gw, user);
    const changed = await bot.call('POST', '/api/v1/auth/password', {
      currentPassword: 'token-changer-password-2',
      newPassword: 'token-changer-password-3',
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(changed.body.revoked, { sessions: 1, tokens: 1 });
    assert.equal((await bot.call('GET', '/api/v1/auth/me')).status, 401);
  });

  it('credentials - an open live-event stream ends once its token is revoked or its session ended', async () => {
    const user = await userClient(gw, admin, 'streamer', 'viewer');
    const bot = await tokenClient(gw, user);
    const open = async (headers: Record<string, string>) => {
      const res = await fetch(`${gw.baseUrl}/api/v1/events/stream`, { headers });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      return async () => {
        for (;;) if ((await reader.read()).done) return Date.now();
      };
    };
    const tokenStream = (await open({ authorization: `Bearer ${bot.token}` }))();
    const cookie = `msec_session=${user.sessionCookie()}`;
    const sessionStream = (await open({ cookie }))();
    const revokedAt = Date.now();
    assert.equal((await admin.call('PATCH', '/api/v1/users/streamer', { password: 'streamer-reset-pass' })).status, 200);
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('a stream outlived its revoked credential for 30 s')), 30_000);
    });
    const [tokenEnded, sessionEnded] = await Promise.race([Promise.all([tokenStream, sessionStream]), giveUp]).finally(() =>
      clearTimeout(timer),
    );
    assert.ok(tokenEnded - revokedAt < 15_000 && sessionEnded - revokedAt < 15_000, 'streams ended after the reset');
  });

  it('tokens - expire after 90 days unless asked otherwise; null asks for none; an expired token answers 401', async () => {
    const before = Date.now();
    const plain = await admin.call('POST', '/api/v1/tokens', { name: 'default-expiry' });
    assert.equal(plain.status, 201);
    assert.equal(plain.body.scope, 'read-write');
    const lifetime = Date.parse(plain.body.expiresAt) - before;
    assert.ok(Math.abs(lifetime - 90 * DAY_MS) < 60_000, `expires in ${lifetime / DAY_MS} days`);

    const week = await admin.call('POST', '/api/v1/tokens', { name: 'week', expiresInDays: 7 });
    assert.ok(Math.abs(Date.parse(week.body.expiresAt) - before - 7 * DAY_MS) < 60_000);
    const forever = await admin.call('POST', '/api/v1/tokens', { name: 'forever', expiresInDays: null });
    assert.equal(forever.status, 201);
    assert.equal(forever.body.expiresAt, null);
    for (const bad of [0, 3651, 1.5, 'soon']) {
      const r = await admin.call('POST', '/api/v1/tokens', { name: 'bad', expiresInDays: bad });
      assert.equal(r.status, 400, `expiresInDays ${bad}`);
      assert.equal(r.body.error.field, 'body.expiresInDays');
    }
    const badScope = await admin.call('POST', '/api/v1/tokens', { name: 'bad', scope: 'admin' });
    assert.equal(badScope.body.error.field, 'body.scope');

    const bot = new ApiClient(gw.baseUrl, week.body.token as string);
    assert.equal((await bot.call('GET', '/api/v1/auth/me')).status, 200);
    // A week passes.
    await gw.app.get(DataSource).query('UPDATE gateway_api_tokens SET expires_at = ? WHERE id = ?', [Date.now() - 1, week.body.id]);
    const expired = await bot.call('GET', '/api/v1/auth/me');
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error.code, 'GATEWAY_UNAUTHENTICATED');
  });

  it('tokens - a read-only token reads as a viewer, every change answers 403 GATEWAY_TOKEN_READ_ONLY, and it may revoke itself', async () => {
    const reader = await tokenClient(gw, admin, { scope: 'read-only' });
    const me = await reader.call('GET', '/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.scope, 'read-only');
    assert.equal((await reader.call('GET', '/api/v1/components')).status, 200);
    assert.equal((await reader.call('GET', '/api/v1/tokens')).status, 200);

    const escalate = await reader.call('POST', '/api/v1/tokens', { name: 'read-write-child' });
    assert.equal(escalate.status, 403);
    assert.equal(escalate.body.error.code, 'GATEWAY_TOKEN_READ_ONLY');
    const create = await reader.call('POST', '/api/v1/users', { username: 'ro-made', password: 'long-enough-pass', role: 'admin' });
    assert.equal(create.body.error.code, 'GATEWAY_TOKEN_READ_ONLY');
    const password = await reader.call('POST', '/api/v1/auth/password', {
      currentPassword: 'admin-password-1',
      newPassword: 'x'.repeat(12),
    });
    assert.equal(password.body.error.code, 'GATEWAY_TOKEN_READ_ONLY');
    // Its owner is admin, but it reads as a viewer: no user list, no audit log.
    const users = await reader.call('GET', '/api/v1/users');
    assert.equal(users.status, 403);
    assert.equal(users.body.error.code, 'GATEWAY_FORBIDDEN');
    assert.match(users.body.error.message, /read-only API token acts as viewer/);
    assert.equal((await reader.call('GET', '/api/v1/audit')).status, 403);

    const other = (await admin.call('POST', '/api/v1/tokens', { name: 'other' })).body.id as string;
    const revokeOther = await reader.call('DELETE', `/api/v1/tokens/${other}`);
    assert.equal(revokeOther.body.error.code, 'GATEWAY_TOKEN_READ_ONLY');
    assert.equal((await admin.call('GET', '/api/v1/auth/me')).status, 200);
    const listed = (await admin.call('GET', '/api/v1/tokens?limit=200')).body.items as {
      id: string;
      scope: string;
      revokedAt: string | null;
    }[];
    assert.equal(listed.find((t) => t.id === other)?.revokedAt, null);
    assert.equal(listed.find((t) => t.id === reader.tokenId)?.scope, 'read-only');
    assert.equal((await reader.call('DELETE', `/api/v1/tokens/${reader.tokenId}`)).status, 200);
    assert.equal((await reader.call('GET', '/api/v1/auth/me')).status, 401);
  });
});

describe('gateway credentials with the registry', () => {
  let zk: InfraServer;
  let gw: TestGateway;
  let registry: ServiceProcess;
  let admin: ApiClient;

  before(async () => {
    [zk, gw] = await Promise.all([startZooKeeper(), startTestGateway()]);
    registry = await startServiceProcess('registry', { ...(await gw.nats.envFor(NatsRole.registry)), MSEC_ZK_CONNECT: zk.url });
    admin = await adminClient(gw);
    await eventually('registry answers', async () => ((await admin.call('GET', '/api/v1/services')).status === 200 ? true : undefined));
  });
  after(async () => {
    await registry?.stop();
    await gw?.close();
    await zk?.dispose();
  });

  it('tokens - a read-only token lists services, and creating one answers 403 GATEWAY_TOKEN_READ_ONLY', async () => {
    assert.equal((await admin.call('POST', '/api/v1/services', { name: 'Shop.cart' })).status, 201);
    const reader = await tokenClient(gw, admin, { scope: 'read-only' });
    const listed = await reader.call('GET', '/api/v1/services');
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.ok(listed.body.items.some((svc: { name: string }) => svc.name === 'Shop.cart'));
    const created = await reader.call('POST', '/api/v1/services', { name: 'Shop.orders' });
    assert.equal(created.status, 403);
    assert.equal(created.body.error.code, 'GATEWAY_TOKEN_READ_ONLY');
    assert.equal((await admin.call('GET', '/api/v1/services/Shop.orders')).status, 404);
  });
});

describe('gateway audit retention', () => {
  let gw: TestGateway;
  let admin: ApiClient;

  before(async () => {
    gw = await startTestGateway({ env: { MSEC_AUDIT_RETENTION_DAYS: '30', MSEC_AUDIT_MAX_ENTRIES: '5' } });
    admin = await adminClient(gw);
  });
  after(() => gw.close());

  it('audit retention - entries past the age limit go, then the oldest beyond the count; the newest stay and still page', async () => {
    await auditOf(admin, 'admin', '/api/v1/auth/password');
    const audit = gw.app.get(AuditDomain);
    const now = Date.now();
    const entry = (at: number, path: string) => ({
      at,
      actor: 'retention',
      role: 'admin',
      via: 'token',
      method: 'POST',
      path,
      status: 200,
      result: 'ok',
      ip: '127.0.0.1',
      requestId: path,
    });
    for (let i = 0; i < 3; i++) await audit.record(entry(now - 40 * DAY_MS + i, `/old/${i}`));
    for (let i = 0; i < 8; i++) await audit.record(entry(now - (8 - i) * 1000, `/new/${i}`));

    // The set-up's login and password change came first: 2 + 3 old + 8 new entries.
    await audit.caughtUp();
    const pruned = await gw.app.get(AuditPruner).prune();
    assert.deepEqual(pruned, { expired: 3, excess: 5 });
    const total = (await admin.call('GET', '/api/v1/audit?limit=200')).body.items as { path: string }[];
    assert.deepEqual(
      total.map((e) => e.path),
      ['/new/7', '/new/6', '/new/5', '/new/4', '/new/3'],
    );

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { path: string }[]; nextCursor: string | null } } = await admin.call(
        'GET',
        `/api/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      pages.push(page.body.items.map((e) => e.path));
      cursor = page.body.nextCursor;
    } while (cursor);
    assert.deepEqual(
      pages.map((p) => p.length),
      [2, 2, 1],
    );
    assert.deepEqual(pages.flat(), ['/new/7', '/new/6', '/new/5', '/new/4', '/new/3']);
    assert.deepEqual(await gw.app.get(AuditPruner).prune(), { expired: 0, excess: 0 });

    // More than one batch (1,000 rows a statement) of each kind.
    const rows = gw.app.get(DataSource).getRepository(AuditEntryEntity);
    const many = (at: (i: number) => number, prefix: string) =>
      Array.from({ length: 2500 }, (_, i) => ({ ...entry(at(i), `${prefix}${i}`), detail: null }));
    for (const chunk of [0, 500, 1000, 1500, 2000])
      await rows.insert(many((i) => now - 50 * DAY_MS + i, '/older/').slice(chunk, chunk + 500));
    assert.deepEqual(await gw.app.get(AuditPruner).prune(), { expired: 2500, excess: 0 });
    for (const chunk of [0, 500, 1000, 1500, 2000]) await rows.insert(many((i) => Date.now() + i, '/burst/').slice(chunk, chunk + 500));
    assert.deepEqual(await gw.app.get(AuditPruner).prune(), { expired: 0, excess: 2500 });
    const last = (await admin.call('GET', '/api/v1/audit?limit=200')).body.items as { path: string }[];
    assert.deepEqual(
      last.map((e) => e.path),
      ['/burst/2499', '/burst/2498', '/burst/2497', '/burst/2496', '/burst/2495'],
    );
  });

  it('audit retention - a gateway prunes at start, and refuses limits out of range naming the key', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), `${TEMP_DIR_PREFIX}gateway-restart-`));
    try {
      const first = await startTestGateway({ dataDir });
      try {
        await adminClient(first);
        for (let i = 0; i < 3; i++)
          await first.app.get(AuditDomain).record({
            at: Date.now() - 400 * DAY_MS,
            actor: 'ancient',
            role: 'admin',
            via: 'token',
            method: 'POST',
            path: `/ancient/${i}`,
            status: 200,
            result: 'ok',
            ip: '127.0.0.1',
            requestId: `ancient-${i}`,
          });
      } finally {
        await first.close();
      }
      // The default keeps a year: the restarted gateway drops the 400-day-old entries without being asked.
      const second = await startTestGateway({ dataDir });
      try {
        const admin = new ApiClient(second.baseUrl);
        await admin.login('admin', 'admin-password-1');
        const left = await eventually('start-up pruning', async () => {
          const items = (await admin.call('GET', '/api/v1/audit?limit=200')).body.items as { actor: string }[];
          return items.some((e) => e.actor === 'ancient') ? undefined : items;
        });
        assert.ok(
          left.some((e) => e.actor === 'admin'),
          'recent entries are kept',
        );
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
    assert.throws(() => loadGatewayConfig({ MSEC_AUDIT_RETENTION_DAYS: '0' }), /auditRetentionDays/);
    assert.throws(() => loadGatewayConfig({ MSEC_AUDIT_MAX_ENTRIES: 'many' }), /auditMaxEntries/);
  });
});
