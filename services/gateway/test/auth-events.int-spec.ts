import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventStore } from '@msec/bus';
import { GatewayEventSubjects } from '@msec/contracts';
import { ApiClient, adminClient, startTestGateway, userClient, type TestGateway } from './gateway-harness.js';

/** Webhooks may reach this host's receivers in these tests. */
const ENV = { MSEC_GATEWAY_WEBHOOK_ALLOW_INTERNAL: 'true' };

/** Users, tokens, webhooks and the audit log up to `auditUpTo` (its id) as the console shows them, secrets aside. */
async function gatewayState(admin: ApiClient, auditUpTo = Number.MAX_SAFE_INTEGER): Promise<unknown> {
  const users = (await admin.call('GET', '/api/v1/users?limit=200')).body.items as unknown[];
  const tokens = (await admin.call('GET', '/api/v1/tokens?limit=200')).body.items as Array<Record<string, unknown>>;
  const webhooks = (await admin.call('GET', '/api/v1/webhooks')).body.items as unknown[];
  const audit = (await admin.call('GET', '/api/v1/audit?limit=200')).body.items as Array<{ id: number }>;
  return { users, tokens: tokens.map(({ lastUsedAt: _used, ...rest }) => rest), webhooks, audit: audit.filter((e) => e.id <= auditUpTo) };
}

async function newestAuditId(admin: ApiClient): Promise<number> {
  return ((await admin.call('GET', '/api/v1/audit?limit=1')).body.items as Array<{ id: number }>)[0]?.id ?? 0;
}

describe('gateway users and tokens as events: two gateways on one database', () => {
  let first: TestGateway;
  let second: TestGateway;
  let admin1: ApiClient;
  let admin2: ApiClient;

  before(async () => {
    first = await startTestGateway({ env: ENV });
    // A second gateway over the same database and NATS, as two instances behind a load balancer run.
    second = await startTestGateway({ env: ENV, dataDir: first.dataDir, nats: first.nats });
    admin1 = await adminClient(first);
    admin2 = new ApiClient(second.baseUrl);
    await admin2.login('admin', 'admin-password-1');
  });

  after(async () => {
    await second?.close();
    await first?.close();
  });

  it('gateway users - one name created on both gateways at once is created once; the others answer 409', async () => {
    const statuses = await Promise.all(
      [admin1, admin2, admin1, admin2].map(
        async (admin) =>
          (await admin.call('POST', '/api/v1/users', { username: 'twin', password: 'twin-password-1', role: 'viewer' })).status,
      ),
    );
    assert.deepEqual([...statuses].sort(), [201, 409, 409, 409]);
    const nc = await first.nats.connect();
    const created = (await new EventStore(nc).read(GatewayEventSubjects.users)).events.filter(
      (e) => e.event.type === 'gateway.UserCreated' && (e.event.payload as { username: string }).username === 'twin',
    );
    await nc.close();
    assert.equal(created.length, 1);
  });

  it('gateway tokens - a token revoked on one gateway is refused by the other at once', async () => {
    const token = (await admin2.call('POST', '/api/v1/tokens', { name: 'cross' })).body.token as string;
    const bearer = (gw: TestGateway) =>
      fetch(`${gw.baseUrl}/api/v1/users?limit=1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    assert.equal(await bearer(first), 200);
    const id = ((await admin1.call('GET', '/api/v1/tokens?limit=200')).body.items as Array<{ id: string; name: string }>).find(
      (t) => t.name === 'cross',
    )!.id;
    assert.equal((await admin1.call('DELETE', `/api/v1/tokens/${id}`)).status, 200);
    assert.equal(await bearer(second), 401);
    assert.equal(await bearer(first), 401);
  });

  it('gateway webhooks - one webhook deleted on both gateways at once is deleted once; the others answer 404', async () => {
    const url = 'http://127.0.0.1:9/hooks/T0001/B0002/url-credential';
    const created = await admin2.call('POST', '/api/v1/webhooks', { url, eventTypes: ['registry.InstanceEnabled'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    // Made on the second gateway, listed at once by the first: one table, fed by the events.
    assert.ok(((await admin1.call('GET', '/api/v1/webhooks')).body.items as Array<{ id: string }>).some((w) => w.id === id));
    const statuses = await Promise.all(
      [admin1, admin2, admin1].map(async (a) => (await a.call('DELETE', `/api/v1/webhooks/${id}`)).status),
    );
    assert.deepEqual([...statuses].sort(), [200, 404, 404]);
    const nc = await first.nats.connect();
    const events = (await new EventStore(nc).read(GatewayEventSubjects.webhooks)).events.filter((e) => e.event.aggregateId === id);
    await nc.close();
    assert.deepEqual(
      events.map((e) => e.event.type),
      ['gateway.WebhookCreated', 'gateway.WebhookDeleted'],
    );
    const text = JSON.stringify(events);
    assert.ok(!text.includes('url-credential') && !text.includes('whsec_'), 'neither the URL nor the secret is in an event');
    assert.ok(text.includes('127.0.0.1:9'), "the URL's host is");
  });

  it('gateway audit - calls on both gateways are in one audit log, each once, in the order they ended, read back from either', async () => {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        (i % 2 === 0 ? admin1 : admin2).call('POST', '/api/v1/tokens', { name: `audited-${i}` }).then((r) => assert.equal(r.status, 201)),
      ),
    );
    // Each gateway waits for its own calls before it answers; the other's are there within moments.
    const read = async (admin: ApiClient) =>
      (
        (await admin.call('GET', '/api/v1/audit?actor=admin&limit=200')).body.items as Array<{ id: number; path: string; method: string }>
      ).filter((e) => e.method === 'POST' && e.path === '/api/v1/tokens');
    let fromFirst = await read(admin1);
    for (let i = 0; i < 50 && fromFirst.length < 7; i++) {
      await new Promise((r) => setTimeout(r, 100));
      fromFirst = await read(admin1);
    }
    // One token made in an earlier test, and the six made here.
    assert.equal(fromFirst.length, 7);
    assert.deepEqual(await read(admin2), fromFirst);
    const ids = fromFirst.map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
      'newest first, no id twice',
    );
    assert.equal(new Set(ids).size, ids.length);
  });

  it('gateway rebuild - users, tokens, webhooks and the audit log replayed from their events equal the ones replaced; logins and tokens still work', async () => {
    const live = (await admin1.call('POST', '/api/v1/tokens', { name: 'kept' })).body.token as string;
    const hook = await admin1.call('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/kept', eventTypes: ['deploy.ReleaseSucceeded'] });
    assert.equal(hook.status, 201);
    const dev = await userClient(first, admin1, 'dev-rebuild', 'developer');
    assert.equal((await dev.call('POST', '/api/v1/admin/rebuild/gateway')).status, 403);
    const upTo = await newestAuditId(admin1);
    const before = await gatewayState(admin1, upTo);
    const rebuilt = await admin1.call('POST', '/api/v1/admin/rebuild/gateway');
    assert.equal(rebuilt.status, 200, JSON.stringify(rebuilt.body));
    assert.equal(rebuilt.body.webhooks, 1);
    assert.ok(rebuilt.body.auditEntries >= upTo - 1, JSON.stringify(rebuilt.body));
    // The rebuild call itself is audited after it answers: compare what was there before it.
    assert.deepEqual(await gatewayState(admin1, upTo), before);
    // The webhook's URL and secret, kept out of its events, are back in the table: it still signs and sends.
    const [kept] = (await admin1.call('GET', '/api/v1/webhooks')).body.items as Array<{ url: string }>;
    assert.equal(kept?.url, 'http://127.0.0.1:9/kept');
    const again = new ApiClient(second.baseUrl);
    await again.login('admin', 'admin-password-1');
    const viaToken = await fetch(`${first.baseUrl}/api/v1/users?limit=1`, { headers: { authorization: `Bearer ${live}` } });
    assert.equal(viaToken.status, 200);
  });

  // Last: one of the two admins loses the role, and with it the session.
  it('gateway users - two admins demoting each other at once on two gateways: one demotion happens, an admin remains', async () => {
    await userClient(first, admin1, 'second-admin', 'admin');
    const second2 = new ApiClient(second.baseUrl);
    await second2.login('second-admin', 'second-admin-password-2');
    const [a, b] = await Promise.all([
      admin1.call('PATCH', '/api/v1/users/second-admin', { role: 'viewer' }),
      second2.call('PATCH', '/api/v1/users/admin', { role: 'viewer' }),
    ]);
    // The demoted one's sessions ended: read the users as whichever of the two is still admin.
    let users: Array<{ username: string; role: string }> = [];
    for (const [name, password] of [
      ['admin', 'admin-password-1'],
      ['second-admin', 'second-admin-password-2'],
    ] as const) {
      const client = new ApiClient(second.baseUrl);
      await client.login(name, password);
      const listed = await client.call('GET', '/api/v1/users?limit=200');
      if (listed.status === 200) users = listed.body.items as Array<{ username: string; role: string }>;
    }
    const admins = users.filter((u) => u.role === 'admin');
    // Whichever landed first, the other is either refused as the last admin or made by a user who is no longer admin.
    assert.equal(admins.length, 1, `${a.status} ${b.status} ${JSON.stringify(users)}`);
  });
});
