import { NatsRole } from '@msec/contracts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startZooKeeper, type InfraServer, type NatsTestServer } from '@msec/testing';
import { launchBrowser, screenshot, type TestBrowser, signIn } from './browser.js';
import { BreakerCounters, CircuitBreakers, MonitorReporter } from '@msec/sdk';
import {
  adminClient,
  buildConsole,
  startServiceProcess,
  startTestGateway,
  userClient,
  type ApiClient,
  type ServiceProcess,
  type TestGateway,
} from './gateway-harness.js';

const REGISTRY_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../registry/dist/src/main.js');

/** The registry as `./msec up` runs it: its own process, talking to the gateway's NATS and a real ZooKeeper. */
async function startRegistry(
  nats: NatsTestServer,
  zkConnect: string,
): Promise<{ child: ChildProcess; dataDir: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'msec-registry-'));
  const child = spawn(process.execPath, [REGISTRY_MAIN], {
    env: { ...process.env, ...(await nats.envFor(NatsRole.registry)), MSEC_ZK_CONNECT: zkConnect, MSEC_DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return {
    child,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the registry answers through the gateway. */
async function waitForRegistry(client: ApiClient): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const r = await client.call('GET', '/api/v1/services');
    if (r.status === 200) return;
    if (Date.now() > until) throw new Error(`registry never answered: ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((t) => setTimeout(t, 250));
  }
}

describe('gateway services', () => {
  let zk: InfraServer;
  let gw: TestGateway;
  let registry: Awaited<ReturnType<typeof startRegistry>>;
  let monitor: ServiceProcess;
  let admin: ApiClient;
  let dev: ApiClient;
  let viewer: ApiClient;

  before(async () => {
    buildConsole();
    [zk, gw] = await Promise.all([startZooKeeper(), startTestGateway()]);
    registry = await startRegistry(gw.nats, zk.url);
    monitor = await startServiceProcess('monitor', await gw.nats.envFor(NatsRole.monitor));
    admin = await adminClient(gw);
    dev = await userClient(gw, admin, 'dora', 'developer');
    viewer = await userClient(gw, admin, 'vic', 'viewer');
    await waitForRegistry(admin);
  });
  after(async () => {
    await registry?.stop();
    await monitor?.stop();
    await gw?.close();
    await zk?.dispose();
  });

  it('services - create, scale out, scale in, weight and show round-trip through REST', async () => {
    const created = await dev.call('POST', '/api/v1/services', { name: 'Flight.mod_flight', memo: 'flight query' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.service.name, 'Flight.mod_flight');
    assert.equal(created.body.routesWritten, true);

    const out = await dev.call('POST', '/api/v1/services/Flight.mod_flight/scale-out', {
      instances: ['127.0.0.1:8090', { ip: '127.0.0.1', port: 8091, weight: 2000 }],
    });
    assert.equal(out.status, 200, JSON.stringify(out.body));
    assert.deepEqual(
      out.body.service.instances.map((i: { ip: string; port: number; weight: number; enabled: boolean }) => [
        `${i.ip}:${i.port}`,
        i.weight,
        i.enabled,
      ]),
      [
        ['127.0.0.1:8090', 1000, true],
        ['127.0.0.1:8091', 2000, true],
      ],
    );

    const scaledIn = await dev.call('POST', '/api/v1/services/Flight.mod_flight/scale-in', { instances: ['127.0.0.1:8091'] });
    assert.equal(scaledIn.status, 200, JSON.stringify(scaledIn.body));
    const weighted = await dev.call('PUT', '/api/v1/services/Flight.mod_flight/instances/127.0.0.1:8090/weight', { weight: 3000 });
    assert.equal(weighted.status, 200, JSON.stringify(weighted.body));

    const shown = await viewer.call('GET', '/api/v1/services/Flight.mod_flight');
    assert.equal(shown.status, 200);
    assert.deepEqual(
      shown.body.instances.map((i: { ip: string; port: number; weight: number; enabled: boolean }) => [
        `${i.ip}:${i.port}`,
        i.weight,
        i.enabled,
      ]),
      [
        ['127.0.0.1:8090', 3000, true],
        ['127.0.0.1:8091', 2000, false],
      ],
    );
    const list = await viewer.call('GET', '/api/v1/services?prefix=Flight.');
    assert.deepEqual(
      list.body.items.map((s: { name: string }) => s.name),
      ['Flight.mod_flight'],
    );
    assert.equal(list.body.nextCursor, null);

    // Remove the scaled-in instance; the serving one must be scaled in first (the registry's rule, its field renamed).
    const busy = await dev.call('DELETE', '/api/v1/services/Flight.mod_flight/instances/127.0.0.1:8090');
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error.code, 'REGISTRY_INSTANCE_ENABLED');
    assert.equal(busy.body.error.field, 'path.address');
    const removed = await dev.call('DELETE', '/api/v1/services/Flight.mod_flight/instances/127.0.0.1:8091');
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal(removed.body.service.instances.length, 1);
  });

  it('services - bad names, addresses and duplicates are refused with 400 or 409 naming the field', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/api/v1/services', { name: 'flight' }, 400, 'body.name'],
      ['POST', '/api/v1/services', { name: 'Flight.ok', colour: 'red' }, 400, 'body.colour'],
      ['POST', '/api/v1/services/Flight.mod_flight/scale-out', { instances: ['127.0.0.1:70000'] }, 400, 'body.instances.0.port'],
      [
        'POST',
        '/api/v1/services/Flight.mod_flight/scale-out',
        { instances: ['127.0.0.1:9000', '300.1.1.1:80'] },
        400,
        'body.instances.1.ip',
      ],
      ['POST', '/api/v1/services/Flight.mod_flight/instances', { instances: [] }, 400, 'body.instances'],
      ['GET', '/api/v1/services/not-a-name', undefined, 400, 'path.name'],
      ['PUT', '/api/v1/services/Flight.mod_flight/instances/127.0.0.1:8090/weight', { weight: 5 }, 400, 'body.weight'],
      ['PUT', '/api/v1/services/Flight.mod_flight/instances/localhost/weight', { weight: 500 }, 400, 'path.address'],
      ['POST', '/api/v1/services', { name: 'Db.orders', kind: 'heterogeneous' }, 400, 'body.protocol'],
      ['POST', '/api/v1/services', { name: 'Flight.mod_flight' }, 409, 'body.name'],
      ['GET', '/api/v1/services/Nope.missing', undefined, 404, 'path.name'],
      ['DELETE', '/api/v1/services/Flight.mod_flight', undefined, 409, 'path.name'],
    ];
    for (const [method, path, body, status, field] of cases) {
      const r = await dev.call(method, path, body);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.field, field, `${method} ${path}: ${JSON.stringify(r.body)}`);
    }
  });

  it('services - a viewer reads but every change answers 403; rebuild is for admins', async () => {
    const mutations: [string, string, unknown][] = [
      ['POST', '/api/v1/services', { name: 'Viewer.try' }],
      ['DELETE', '/api/v1/services/Flight.mod_flight', undefined],
      ['POST', '/api/v1/services/Flight.mod_flight/instances', { instances: ['127.0.0.1:9100'] }],
      ['DELETE', '/api/v1/services/Flight.mod_flight/instances/127.0.0.1:8090', undefined],
      ['POST', '/api/v1/services/Flight.mod_flight/scale-out', { instances: ['127.0.0.1:9100'] }],
      ['POST', '/api/v1/services/Flight.mod_flight/scale-in', { instances: ['127.0.0.1:8090'] }],
      ['PUT', '/api/v1/services/Flight.mod_flight/instances/127.0.0.1:8090/weight', { weight: 500 }],
      ['POST', '/api/v1/admin/rebuild/registry', undefined],
    ];
    for (const [method, path, body] of mutations) {
      const r = await viewer.call(method, path, body);
      assert.equal(r.status, 403, `${method} ${path}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await viewer.call('GET', '/api/v1/services')).status, 200);
    assert.equal((await dev.call('POST', '/api/v1/admin/rebuild/registry')).status, 403);
    const rebuilt = await admin.call('POST', '/api/v1/admin/rebuild/registry');
    assert.equal(rebuilt.status, 200, JSON.stringify(rebuilt.body));
    assert.equal(rebuilt.body.services, 1);
  });

  it('traffic - a developer sets and removes rate limits and breaker settings; who did it is kept and audited; bad input names the field', async () => {
    const base = '/api/v1/services/Flight.mod_flight';
    const set = await dev.call('PUT', `${base}/limits/flight.FlightService.Query`, { qps: 100 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.limits, [{ method: 'flight.FlightService.Query', qps: 100 }]);
    assert.equal(set.body.updatedBy, 'dora');
    const breaker = await dev.call('PUT', `${base}/breaker`, { errorRatio: 0.5, openMs: 5000 });
    assert.deepEqual(breaker.body.breaker, { errorRatio: 0.5, openMs: 5000 });
    const shown = await viewer.call('GET', `${base}/traffic`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.version, breaker.body.version);

    const bad: [string, string, unknown, string][] = [
      ['PUT', `${base}/limits/Query`, { qps: 1 }, 'path.method'],
      ['PUT', `${base}/limits/flight.FlightService.Query`, { qps: 0 }, 'body.qps'],
      ['PUT', `${base}/breaker`, { errorRatio: 2 }, 'body.errorRatio'],
      ['PUT', `${base}/breaker`, { bogus: 1 }, 'body.bogus'],
      ['PUT', '/api/v1/services/No.such/limits/a.B.c', { qps: 1 }, ''],
    ];
    for (const [method, path, body, field] of bad) {
      const r = await dev.call(method, path, body);
      if (field === '') assert.equal(r.status, 404, JSON.stringify(r.body));
      else assert.equal(r.body.error?.field, field, `${path}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await viewer.call('PUT', `${base}/limits/flight.FlightService.Query`, { qps: 1 })).status, 403);
    const removed = await dev.call('DELETE', `${base}/limits/flight.FlightService.Query`);
    assert.deepEqual(removed.body.limits, []);
    await dev.call('PUT', `${base}/breaker`, {});
    const audit = await admin.call('GET', '/api/v1/audit');
    assert.ok(
      audit.body.items.some(
        (e: { actor: string; path: string }) => e.actor === 'dora' && e.path.endsWith('/limits/flight.FlightService.Query'),
      ),
      'the change is in the audit log with its user',
    );
  });

  it('routing - a developer tags an instance and sets routing rules; who did it is kept; bad input names the field; a viewer cannot', async () => {
    const base = '/api/v1/services/Flight.mod_flight';
    const tagged = await dev.call('PUT', `${base}/instances/127.0.0.1:8090/tags`, { tags: ['v2'] });
    assert.equal(tagged.status, 200, JSON.stringify(tagged.body));
    assert.deepEqual(tagged.body.service.instances.find((i: { port: number }) => i.port === 8090).tags, ['v2']);
    const rule = await dev.call('PUT', `${base}/routes/beta-users`, { tag: 'v2', field: 'name', values: ['bison'], order: 10 });
    assert.equal(rule.status, 200, JSON.stringify(rule.body));
    assert.deepEqual(rule.body.routes, [{ id: 'beta-users', tag: 'v2', order: 10, field: 'name', values: ['bison'] }]);
    assert.equal(rule.body.updatedBy, 'dora');

    const bad: [string, string, unknown, string][] = [
      ['PUT', `${base}/routes/beta-users`, { tag: 'v2' }, 'body.caller'],
      ['PUT', `${base}/routes/beta-users`, { tag: 'v 2', caller: 'User.mod_user' }, 'body.tag'],
      ['PUT', `${base}/routes/beta-users`, { tag: 'v2', values: ['x'] }, 'body.values'],
      ['PUT', `${base}/routes/beta-users`, { tag: 'v2', field: 'name', percent: 101 }, 'body.percent'],
      ['PUT', `${base}/routes/bad id`, { tag: 'v2', percent: 5 }, 'path.id'],
      ['PUT', `${base}/instances/127.0.0.1:8090/tags`, { tags: ['ok', 'not ok'] }, 'body.tags.1'],
      ['PUT', `${base}/instances/localhost/tags`, { tags: [] }, 'path.address'],
    ];
    for (const [method, path, body, field] of bad) {
      const r = await dev.call(method, path, body);
      assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error?.field, field, `${path}: ${JSON.stringify(r.body)}`);
    }
    assert.equal((await dev.call('PUT', `${base}/instances/127.0.0.1:9999/tags`, { tags: ['v2'] })).status, 404);
    assert.equal((await viewer.call('PUT', `${base}/routes/x`, { tag: 'v2', percent: 5 })).status, 403);
    assert.equal((await viewer.call('PUT', `${base}/instances/127.0.0.1:8090/tags`, { tags: [] })).status, 403);

    const removed = await dev.call('DELETE', `${base}/routes/beta-users`);
    assert.deepEqual(removed.body.routes, []);
    await dev.call('PUT', `${base}/instances/127.0.0.1:8090/tags`, { tags: [] });
    const audit = await admin.call('GET', '/api/v1/audit');
    assert.ok(
      audit.body.items.some((e: { actor: string; path: string }) => e.actor === 'dora' && e.path.endsWith('/routes/beta-users')),
      'the rule change is in the audit log with its user',
    );
  });

  describe('console', () => {
    let browser: TestBrowser;
    before(async () => {
      browser = await launchBrowser({ baseURL: gw.baseUrl });
    });
    after(async () => {
      await browser?.close();
    });

    it('services - a developer creates a service and scales an instance out and in from the Services page', async () => {
      const page = await browser.newPage();
      await signIn(page, 'dora', 'dora-password-2');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Services' }).waitFor();
      await page.getByTestId('service-Flight.mod_flight').waitFor();

      await page.getByRole('button', { name: 'New service' }).click();
      await page.getByLabel('Service name').fill('Order.mod_order');
      await page.getByLabel('Memo').fill('order handling');
      await page.getByRole('button', { name: 'Create service' }).click();
      const service = page.getByTestId('service-Order.mod_order');
      await service.waitFor();
      await service.getByRole('button', { name: 'Order.mod_order' }).click();

      await page.getByLabel('Instances (ip:port, comma-separated)').fill('127.0.0.1:9300');
      await page.getByRole('button', { name: 'Add instances' }).click();
      const row = page.getByRole('row').filter({ has: page.getByTestId('instance-127.0.0.1:9300') });
      await row.getByText('disabled').waitFor();
      await row.getByRole('button', { name: 'Scale out' }).click();
      await row.getByText('enabled', { exact: true }).waitFor();
      await screenshot(page, 'services-scaled-out');

      await row.getByRole('button', { name: 'Scale in' }).click();
      await row.getByText('disabled').waitFor();
      await row.getByRole('button', { name: 'Edit weight' }).click();
      await row.getByLabel('Weight').fill('2500');
      await row.getByRole('button', { name: 'Save' }).click();
      await row.getByText('2500').waitFor();
      await page.getByLabel('Instances (ip:port, comma-separated)').fill('127.0.0.1:99999');
      await page.getByRole('button', { name: 'Add instances' }).click();
      await page.getByRole('alert').filter({ hasText: 'body.instances.0.port' }).waitFor();
      await screenshot(page, 'services-error');
      await page.close();

      const shown = await admin.call('GET', '/api/v1/services/Order.mod_order');
      assert.deepEqual(
        shown.body.instances.map((i: { port: number; weight: number; enabled: boolean }) => [i.port, i.weight, i.enabled]),
        [[9300, 2500, false]],
      );
    });

    it('traffic - a developer sets a rate limit and breaker settings on the service page and sees who changed them', async () => {
      // The browser still holds dora's session from the test before.
      const page = await browser.newPage();
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services', exact: true }).click();
      await page.getByTestId('service-Order.mod_order').getByRole('button', { name: 'Order.mod_order' }).click();
      const traffic = page.getByTestId('service-traffic');
      await traffic.getByText('No limits or breaker settings yet.').waitFor();
      await traffic.getByLabel('Method (pkg.Service.Method or *)').fill('order.OrderService.Place');
      await traffic.getByLabel('Calls per second').fill('50');
      await traffic.getByRole('button', { name: 'Set limit' }).click();
      const row = traffic.getByRole('row').filter({ hasText: 'order.OrderService.Place' });
      await row.getByText('50 per instance').waitFor();
      await traffic.getByText(/changed by dora/).waitFor();
      await traffic.getByLabel('Breaker settings (KEY=VALUE …)').fill('errorRatio=2');
      await traffic.getByRole('button', { name: 'Set breaker' }).click();
      await page.getByRole('alert').filter({ hasText: 'body.errorRatio' }).waitFor();
      await traffic.getByLabel('Breaker settings (KEY=VALUE …)').fill('errorRatio=0.5 openMs=5000');
      await traffic.getByRole('button', { name: 'Set breaker' }).click();
      await traffic.getByTestId('traffic-breaker').getByText('errorRatio=0.5 openMs=5000').waitFor();
      // A caller whose breaker for Place opened reports it; the page lists it under the caller.
      const breakers = new CircuitBreakers();
      const breaker = breakers.for('Order.mod_order', 'Place');
      for (let i = 0; i < 10; i += 1) breaker.record(true, 5, breakers.now());
      const nc = await gw.nats.connect();
      const reporter = new MonitorReporter({
        nc,
        service: 'Shop.mod_cart',
        host: '10.0.0.9',
        sources: [new BreakerCounters(() => breakers.report())],
      });
      reporter.recordCalls([
        {
          caller: 'Shop.mod_cart',
          callee: 'Order.mod_order',
          method: 'Place',
          ok: false,
          errorCode: 'RPC_TIMEOUT',
          latencyMs: 1000,
          endedAt: Date.now(),
        },
      ]);
      await reporter.close();
      await nc.close();
      const callerRow = traffic.getByTestId('caller-breakers').getByRole('row').filter({ hasText: 'Shop.mod_cart' });
      // The monitor stores the report within a moment; the page reads the breakers when the service is opened.
      for (let attempt = 1; ; attempt += 1) {
        await page.reload();
        await page.getByTestId('service-Order.mod_order').getByRole('button', { name: 'Order.mod_order' }).click();
        const shown = await callerRow
          .getByText('open', { exact: true })
          .waitFor({ timeout: 1500 })
          .then(() => true)
          .catch(() => false);
        if (shown) break;
        if (attempt === 10) throw new Error("the caller's open breaker never showed on the service page");
      }
      await screenshot(page, 'services-traffic');
      await page.close();
      const shown = await admin.call('GET', '/api/v1/services/Order.mod_order/traffic');
      assert.deepEqual(shown.body.limits, [{ method: 'order.OrderService.Place', qps: 50 }]);
    });

    it('routing - a developer sets a routing rule and tags an instance on the service page; a bad rule names its field', async () => {
      const page = await browser.newPage();
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services', exact: true }).click();
      await page.getByTestId('service-Flight.mod_flight').getByRole('button', { name: 'Flight.mod_flight' }).click();
      const routing = page.getByTestId('service-routing');
      await routing.getByText(/No routing rules/).waitFor();
      await routing.getByLabel('Rule id').fill('beta-users');
      await routing.getByLabel('Tag', { exact: true }).fill('v2');
      await routing.getByLabel('Request field').fill('name');
      await routing.getByLabel('Values (comma-separated)').fill('bison, ant');
      await routing.getByRole('button', { name: 'Set rule' }).click();
      await routing.getByTestId('route-beta-users').getByText('name is bison, ant').waitFor();
      await routing.getByLabel('Instance to tag (ip:port)').fill('127.0.0.1:8090');
      await routing.getByLabel('Tags (comma-separated, empty to untag)').fill('v2');
      await routing.getByRole('button', { name: 'Set tags' }).click();
      await page.getByTestId('tags-127.0.0.1:8090').getByText('v2').waitFor();
      await routing.getByLabel('Rule id').fill('no-condition');
      await routing.getByLabel('Tag', { exact: true }).fill('v2');
      await routing.getByRole('button', { name: 'Set rule' }).click();
      await page.getByRole('alert').filter({ hasText: 'body.caller' }).waitFor();
      await screenshot(page, 'services-routing');
      await page.close();
      const shown = await admin.call('GET', '/api/v1/services/Flight.mod_flight/traffic');
      assert.deepEqual(shown.body.routes, [{ id: 'beta-users', tag: 'v2', order: 100, field: 'name', values: ['bison', 'ant'] }]);
      await admin.call('DELETE', '/api/v1/services/Flight.mod_flight/routes/beta-users');
      await admin.call('PUT', '/api/v1/services/Flight.mod_flight/instances/127.0.0.1:8090/tags', { tags: [] });
    });

    it('services - a viewer sees the tree and instances but no button that changes them', async () => {
      const viewerBrowser = await launchBrowser({ baseURL: gw.baseUrl });
      try {
        const page = await viewerBrowser.newPage();
        await signIn(page, 'vic', 'vic-password-2');
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services', exact: true }).click();
        await page.getByTestId('service-Order.mod_order').getByRole('button', { name: 'Order.mod_order' }).click();
        await page.getByTestId('instance-127.0.0.1:9300').waitFor();
        await page.getByTestId('traffic-breaker').waitFor();
        for (const name of [
          'New service',
          'Scale out',
          'Scale in',
          'Add instances',
          'Delete service',
          'Edit weight',
          'Remove',
          'Set limit',
          'Set breaker',
          'Reset breaker',
        ])
          assert.equal(await page.getByRole('button', { name }).count(), 0, `viewer sees "${name}"`);
        await screenshot(page, 'services-viewer');
        await page.setViewportSize({ width: 390, height: 844 });
        await page.getByTestId('service-detail').waitFor();
        const width = await page.evaluate<number>('document.documentElement.scrollWidth');
        assert.ok(width <= 390, `Services is ${width}px wide on a 390px screen`);
        await screenshot(page, 'services-phone');
      } finally {
        await viewerBrowser.close();
      }
    });
  });
});
