import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiClient, adminClient, startTestGateway, userClient, type TestGateway } from './gateway-harness.js';
import { loadGatewayConfig } from '../src/config/gateway.config.js';

/** Reachable without logging in: login, health, and a new host redeeming its enrolment token (the token is the proof). */
const PUBLIC_OPERATIONS = new Set(['POST /api/v1/auth/login', 'GET /api/v1/health', 'POST /api/v1/hosts/enroll']);

describe('gateway REST API', () => {
  let gw: TestGateway;
  let admin: ApiClient;

  before(async () => {
    gw = await startTestGateway();
    admin = await adminClient(gw);
  });
  after(() => gw.close());

  it('gateway - first run writes the admin one-time password with mode 0600 and removes it once changed', async () => {
    const fresh = await startTestGateway();
    try {
      const file = join(fresh.dataDir, 'initial-admin-password');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      // Users, password hashes and API tokens are in the SQLite file: owner-only too.
      assert.equal((await stat(join(fresh.dataDir, 'gateway.sqlite'))).mode & 0o777, 0o600);
      const c = new ApiClient(fresh.baseUrl);
      await c.login('admin', fresh.initialAdminPassword);
      const blocked = await c.call('GET', '/api/v1/users');
      assert.equal(blocked.status, 403);
      assert.equal(blocked.body.error.code, 'GATEWAY_PASSWORD_CHANGE_REQUIRED');
      const me = await c.call('GET', '/api/v1/auth/me');
      assert.equal(me.body.mustChangePassword, true);
      await c.call('POST', '/api/v1/auth/password', { currentPassword: fresh.initialAdminPassword, newPassword: 'a-better-password' });
      assert.equal((await c.call('GET', '/api/v1/users')).status, 200);
      await assert.rejects(stat(file));
    } finally {
      await fresh.close();
    }
  });

  it('gateway - every endpoint but login, health and host enrolment answers 401 without credentials (walking the OpenAPI document)', async () => {
    const doc = await new ApiClient(gw.baseUrl).call('GET', '/api/docs/openapi.json');
    assert.equal(doc.status, 200);
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    let checked = 0;
    for (const [path, operations] of Object.entries(paths)) {
      for (const method of Object.keys(operations)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (PUBLIC_OPERATIONS.has(name)) continue;
        const url = path.replace(/\{[^}]+\}/g, '00000000-0000-0000-0000-000000000000');
        const body = ['post', 'put', 'patch'].includes(method) ? {} : undefined;
        const r = await new ApiClient(gw.baseUrl).call(method.toUpperCase(), url, body);
        assert.equal(r.status, 401, `${name} answered ${r.status}`);
        assert.equal(r.body.error.code, 'GATEWAY_UNAUTHENTICATED', name);
        checked++;
      }
    }
    assert.ok(checked >= 12, `only ${checked} operations in the document`);
    const health = await new ApiClient(gw.baseUrl).call('GET', '/api/v1/health');
    assert.equal(health.status, 200);
  });

  it('gateway - the OpenAPI UI is served at /api/docs', async () => {
    const res = await fetch(`${gw.baseUrl}/api/docs`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /swagger-ui/i);
  });

  it('gateway - invalid bodies, queries and path parameters get 400 naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/users', { username: 'bob', password: 'short', role: 'viewer' }, 'body.password'],
      ['POST', '/api/v1/users', { username: 'bob', password: 'long-enough-pass', role: 'king' }, 'body.role'],
      ['POST', '/api/v1/users', { password: 'long-enough-pass', role: 'viewer' }, 'body.username'],
      ['POST', '/api/v1/users', { username: 'bob', password: 'long-enough-pass', role: 'viewer', extra: 1 }, 'body.extra'],
      ['POST', '/api/v1/tokens', { name: '' }, 'body.name'],
      ['POST', '/api/v1/tokens', '{not json', 'body'],
      ['GET', '/api/v1/audit?limit=0', undefined, 'query.limit'],
      ['GET', '/api/v1/audit?cursor=nonsense', undefined, 'cursor'],
      ['DELETE', '/api/v1/tokens/not-an-id', undefined, 'path.id'],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await admin.call(method, path, body);
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.status}`);
      assert.equal(r.body.error.field, field, `${method} ${path}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error.message, new RegExp(field.replace('.', '\\.')));
    }
  });

  it('gateway - every response carries X-Request-Id, echoing a well-formed one from the caller', async () => {
    const ok = await admin.call('GET', '/api/v1/auth/me', undefined, { 'x-request-id': 'trace-42' });
    assert.equal(ok.headers.get('x-request-id'), 'trace-42');
    const missing = await admin.call('GET', '/api/v1/no-such-route');
    assert.equal(missing.status, 404);
    assert.ok(missing.headers.get('x-request-id'));
    assert.equal(missing.body.error.requestId, missing.headers.get('x-request-id'));
    const badJson = await admin.call('POST', '/api/v1/tokens', '{', { 'x-request-id': 'bad json' });
    assert.ok(badJson.headers.get('x-request-id'));
  });

  it('gateway - a cookie-authenticated mutation without the CSRF header is refused', async () => {
    const c = await userClient(gw, admin, 'csrf-dev', 'developer');
    c.sendCsrf = false;
    const r = await c.call('POST', '/api/v1/tokens', { name: 'x' });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'GATEWAY_CSRF_REJECTED');
    const wrong = await c.call('POST', '/api/v1/tokens', { name: 'x' }, { 'x-csrf-token': 'guess' });
    assert.equal(wrong.status, 403);
    c.sendCsrf = true;
    assert.equal((await c.call('POST', '/api/v1/tokens', { name: 'x' })).status, 201);
  });

  it('gateway - API tokens work until revoked, are stored hashed and listed without their secret', async () => {
    const created = await admin.call('POST', '/api/v1/tokens', { name: 'automation' });
    assert.equal(created.status, 201);
    const token = created.body.token as string;
    assert.match(token, /^msec_/);
    const bot = new ApiClient(gw.baseUrl, token);
    const me = await bot.call('GET', '/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.via, 'token');
    // Bearer calls need no CSRF header.
    assert.equal((await bot.call('POST', '/api/v1/tokens', { name: 'child' })).status, 201);
    const list = await admin.call('GET', '/api/v1/tokens');
    assert.ok(list.body.items.some((t: { id: string }) => t.id === created.body.id));
    assert.ok(!JSON.stringify(list.body).includes(token));
    const rows = await gw.app.get((await import('typeorm')).DataSource).query('SELECT token_hash FROM gateway_api_tokens');
    assert.ok(!JSON.stringify(rows).includes(token));
    assert.equal((await admin.call('DELETE', `/api/v1/tokens/${created.body.id}`)).status, 200);
    const after = await bot.call('GET', '/api/v1/auth/me');
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, 'GATEWAY_UNAUTHENTICATED');
  });

  it('gateway - roles: viewers read but never mutate; developers cannot administer users', async () => {
    const viewer = await userClient(gw, admin, 'vera', 'viewer');
    assert.equal((await viewer.call('GET', '/api/v1/components')).status, 200);
    const denied = await viewer.call('POST', '/api/v1/users', { username: 'mallory', password: 'long-enough-pass', role: 'admin' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'GATEWAY_FORBIDDEN');
    assert.equal((await viewer.call('GET', '/api/v1/audit')).status, 403);
    const dev = await userClient(gw, admin, 'dave', 'developer');
    assert.equal((await dev.call('GET', '/api/v1/users')).status, 403);
    assert.equal((await dev.call('DELETE', '/api/v1/users/vera')).status, 403);
  });

  it('gateway - mutating calls are written to the audit log with who, what, when and result', async () => {
    await admin.call('POST', '/api/v1/users', { username: 'audited', password: 'long-enough-pass', role: 'viewer' });
    await admin.call('POST', '/api/v1/users', { username: 'audited', password: 'long-enough-pass', role: 'viewer' });
    await new ApiClient(gw.baseUrl).call('POST', '/api/v1/auth/login', { username: 'nobody', password: 'wrong-password' });
    // Audit rows are written when the response finishes.
    await new Promise((r) => setTimeout(r, 200));
    const log = await admin.call('GET', '/api/v1/audit?limit=200');
    assert.equal(log.status, 200);
    const entries = log.body.items as { actor: string; method: string; path: string; status: number; result: string; at: string }[];
    const creates = entries.filter((e) => e.path === '/api/v1/users' && e.method === 'POST' && e.actor === 'admin');
    assert.ok(creates.some((e) => e.status === 201 && e.result === 'ok'));
    assert.ok(creates.some((e) => e.status === 409 && e.result === 'GATEWAY_CONFLICT'));
    assert.ok(entries.some((e) => e.actor === 'nobody' && e.path === '/api/v1/auth/login' && e.result === 'GATEWAY_BAD_CREDENTIALS'));
    assert.ok(entries.every((e) => !Number.isNaN(Date.parse(e.at))));
    const page = await admin.call('GET', '/api/v1/audit?limit=2');
    assert.equal(page.body.items.length, 2);
    const next = await admin.call('GET', `/api/v1/audit?limit=2&cursor=${page.body.nextCursor}`);
    assert.ok(next.body.items[0].id < page.body.items[1].id + 0 || next.body.items[0].id < page.body.items[0].id);
    // The router matches paths case-insensitively: a change through a case variant is audited all the same.
    const variant = await admin.call('POST', '/API/V1/users', { username: 'audited-upper', password: 'long-enough-pass', role: 'viewer' });
    assert.equal(variant.status, 201, JSON.stringify(variant.body));
    await new Promise((r) => setTimeout(r, 200));
    const after = (await admin.call('GET', '/api/v1/audit?limit=20')).body.items as { method: string; path: string; status: number }[];
    assert.ok(
      after.some((e) => e.method === 'POST' && e.path === '/API/V1/users' && e.status === 201),
      JSON.stringify(after.slice(0, 3)),
    );
    const byActor = await admin.call('GET', '/api/v1/audit?actor=nobody');
    assert.ok(byActor.body.items.length >= 1 && byActor.body.items.every((e: { actor: string }) => e.actor === 'nobody'));
  });

  it('gateway - login is rate-limited per username and address: 5 failures then 429 with Retry-After', async () => {
    await admin.call('POST', '/api/v1/users', { username: 'rita', password: 'rita-password-1', role: 'viewer' });
    const c = new ApiClient(gw.baseUrl);
    for (let i = 0; i < 5; i++) {
      const r = await c.call('POST', '/api/v1/auth/login', { username: 'rita', password: 'wrong' });
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'GATEWAY_BAD_CREDENTIALS');
    }
    const limited = await c.call('POST', '/api/v1/auth/login', { username: 'rita', password: 'rita-password-1' });
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'GATEWAY_LOGIN_RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    // Another username from the same address is not affected.
    assert.equal((await c.call('POST', '/api/v1/auth/login', { username: 'admin', password: 'admin-password-1' })).status, 200);
  });

  it('gateway - a rotating X-Forwarded-For does not get around the login rate limit (no proxy is trusted by default)', async () => {
    await admin.call('POST', '/api/v1/users', { username: 'xena', password: 'xena-password-1', role: 'viewer' });
    const login = (password: string, i: number): Promise<Response> =>
      fetch(`${gw.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `203.0.113.${i}` },
        body: JSON.stringify({ username: 'xena', password }),
      });
    for (let i = 0; i < 5; i++) assert.equal((await login('wrong', i)).status, 401);
    const limited = await login('xena-password-1', 99);
    assert.equal(limited.status, 429, 'the sixth attempt from a "new" forwarded address is still the same client');
  });

  it('gateway - trustProxy names the key and the fix when an entry is not an address or range', () => {
    assert.throws(() => loadGatewayConfig({ MSEC_TRUST_PROXY: '10.0.0.1,proxy.example' }), /trustProxy.*proxy\.example/s);
    assert.equal(loadGatewayConfig({ MSEC_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy, 'loopback, 10.0.0.0/8');
  });

  it('gateway - events published on msec.events.> are pushed to the SSE stream', async () => {
    const token = (await admin.call('POST', '/api/v1/tokens', { name: 'sse' })).body.token as string;
    const controller = new AbortController();
    const res = await fetch(`${gw.baseUrl}/api/v1/events/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const nc = await gw.nats.connect();
    try {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const publisher = setInterval(
        () => nc.publish('msec.events.registry.service-created', JSON.stringify({ name: 'Flight.mod_flight' })),
        100,
      );
      try {
        while (!text.includes('Flight.mod_flight')) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value);
        }
      } finally {
        clearInterval(publisher);
      }
      assert.match(text, /event: msec/);
      assert.match(text, /msec\.events\.registry\.service-created/);
    } finally {
      controller.abort();
      await nc.close();
    }
  });

  it('gateway - forwarding over NATS with a deadline reports components that do not answer', async () => {
    const r = await admin.call('GET', '/api/v1/components');
    assert.equal(r.status, 200);
    const items = r.body.items as { component: string; ready: boolean; detail: string; code?: string }[];
    assert.equal(items.find((c) => c.component === 'gateway')?.ready, true);
    assert.deepEqual(
      items.find((c) => c.component === 'registry'),
      { component: 'registry', ready: false, detail: 'not running', code: 'NATS_NO_RESPONDERS' },
    );
  });
});
