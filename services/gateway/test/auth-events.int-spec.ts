import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventStore } from '@msec/bus';
import { GatewayEventSubjects } from '@msec/contracts';
import { ApiClient, adminClient, startTestGateway, userClient, type TestGateway } from './gateway-harness.js';

/** Users and tokens as the console shows them, secrets aside. */
async function authState(admin: ApiClient): Promise<unknown> {
  const users = (await admin.call('GET', '/api/v1/users?limit=200')).body.items as unknown[];
  const tokens = (await admin.call('GET', '/api/v1/tokens?limit=200')).body.items as Array<Record<string, unknown>>;
  return { users, tokens: tokens.map(({ lastUsedAt: _used, ...rest }) => rest) };
}

describe('gateway users and tokens as events: two gateways on one database', () => {
  let first: TestGateway;
  let second: TestGateway;
  let admin1: ApiClient;
  let admin2: ApiClient;

  before(async () => {
    first = await startTestGateway();
    // A second gateway over the same database and NATS, as two instances behind a load balancer run.
    second = await startTestGateway({ dataDir: first.dataDir, nats: first.nats });
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

  it('gateway rebuild - users and tokens replayed from their events equal the ones replaced; logins and tokens still work', async () => {
    const live = (await admin1.call('POST', '/api/v1/tokens', { name: 'kept' })).body.token as string;
    const dev = await userClient(first, admin1, 'dev-rebuild', 'developer');
    assert.equal((await dev.call('POST', '/api/v1/admin/rebuild/gateway')).status, 403);
    const before = await authState(admin1);
    const rebuilt = await admin1.call('POST', '/api/v1/admin/rebuild/gateway');
    assert.equal(rebuilt.status, 200, JSON.stringify(rebuilt.body));
    assert.deepEqual(await authState(admin1), before);
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
