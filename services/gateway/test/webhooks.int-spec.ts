import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { EventStore, createEvent } from '@msec/bus';
import { startNats, TEMP_DIR_PREFIX, type NatsTestServer } from '@msec/testing';
import { NatsRole, RegistryEventType, WebhookHeaders } from '@msec/contracts';
import { verifyWebhookSignature } from '../src/webhooks/webhook-signature.js';
import { launchBrowser, screenshot, signIn, type TestBrowser } from './browser.js';
import { ApiClient, adminClient, buildConsole, eventually, startTestGateway, userClient, type TestGateway } from './gateway-harness.js';

const ENV = { MSEC_GATEWAY_WEBHOOK_ALLOW_INTERNAL: 'true' };

interface Received {
  path: string;
  id: string;
  type: string;
  signed: (secret: string) => boolean;
  answered: number;
}

describe('gateway webhooks', () => {
  let nats: NatsTestServer;
  let gw: TestGateway;
  let dataDir: string;
  let admin: ApiClient;
  let registry: NatsConnection;
  let store: EventStore;
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  const failedOnce = new Set<string>();
  let browser: TestBrowser | undefined;

  before(async () => {
    buildConsole();
    // One NATS for both lives of the gateway.
    nats = await startNats();
    dataDir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}webhooks-`));
    gw = await startTestGateway({ env: ENV, nats, dataDir });
    admin = await adminClient(gw);
    registry = await gw.nats.connectAs(NatsRole.registry);
    store = new EventStore(registry);
    await store.init();
    // /flaky answers 500 to the first attempt of each event; /down always 500.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const id = String(req.headers[WebhookHeaders.eventId.toLowerCase()]);
        const answered = req.url === '/down' || (req.url === '/flaky' && !failedOnce.has(id)) ? 500 : 200;
        if (req.url === '/flaky') failedOnce.add(id);
        const timestamp = Number(req.headers[WebhookHeaders.timestamp.toLowerCase()]);
        const signature = String(req.headers[WebhookHeaders.signature.toLowerCase()]);
        received.push({
          path: req.url ?? '',
          id,
          type: String(req.headers[WebhookHeaders.eventType.toLowerCase()]),
          signed: (secret) => verifyWebhookSignature(secret, timestamp, body, signature) && JSON.parse(body).id === id,
          answered,
        });
        res.statusCode = answered;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    await registry?.close();
    await gw?.close();
    await nats?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    await new Promise((r) => receiver?.close(r));
  });

  const enabled = (ip: string) =>
    store.append(
      'registry.Shop.cart',
      createEvent(RegistryEventType.instanceEnabled, 'Shop.cart', { service: 'Shop.cart', ip, port: 7000 }),
    );

  it('webhooks - bad input names the field; only admins manage webhooks', async () => {
    const bad = await admin.call('POST', '/api/v1/webhooks', { url: `${base}/x`, eventTypes: ['registry.Nope'] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'body.eventTypes');
    assert.match(bad.body.error.message, /registry\.InstanceEnabled/);
    const ftp = await admin.call('POST', '/api/v1/webhooks', { url: 'ftp://example.com/x', eventTypes: ['registry.InstanceEnabled'] });
    assert.equal(ftp.body.error.field, 'body.url');
    const empty = await admin.call('POST', '/api/v1/webhooks', { url: `${base}/x`, eventTypes: [] });
    assert.equal(empty.body.error.field, 'body.eventTypes');
    const developer = await userClient(gw, admin, 'dev', 'developer');
    assert.equal(
      (await developer.call('POST', '/api/v1/webhooks', { url: `${base}/x`, eventTypes: ['registry.InstanceEnabled'] })).status,
      403,
    );
    assert.equal((await developer.call('GET', '/api/v1/webhooks/event-types')).status, 200);
    const doc = await admin.call('GET', '/api/docs/openapi.json');
    for (const path of ['/api/v1/webhooks', '/api/v1/webhooks/{id}', '/api/v1/webhooks/{id}/deliveries']) {
      assert.ok(doc.body.paths[path], `${path} in the OpenAPI document`);
    }
  });

  it('webhooks - signed events are retried until delivered, each once across a gateway restart; a dead letter after the last attempt', async () => {
    const created = await admin.call('POST', '/api/v1/webhooks', { url: `${base}/flaky`, eventTypes: [RegistryEventType.instanceEnabled] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { id, secret } = created.body as { id: string; secret: string };
    assert.match(secret, /^whsec_[0-9a-f]{48}$/);
    const listed = await admin.call('GET', '/api/v1/webhooks');
    assert.ok(!JSON.stringify(listed.body).includes(secret), 'the secret is shown only once');
    const dead = await admin.call('POST', '/api/v1/webhooks', {
      url: `${base}/down`,
      eventTypes: [RegistryEventType.instanceEnabled],
      maxAttempts: 2,
    });
    const deadId = (dead.body as { id: string }).id;

    await enabled('10.0.0.1');
    await enabled('10.0.0.2');
    const delivered = () => received.filter((r) => r.path === '/flaky' && r.answered === 200);
    await eventually('two deliveries after a failed attempt each', async () => (delivered().length === 2 ? true : undefined), 20_000);

    // Restart the gateway; an event appended while it is down is delivered when it is back.
    await gw.close();
    await enabled('10.0.0.3');
    gw = await startTestGateway({ env: ENV, nats, dataDir });
    admin = new ApiClient(gw.baseUrl);
    await admin.login('admin', 'admin-password-1');
    await eventually('the third delivery', async () => (delivered().length === 3 ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const ids = delivered().map((r) => r.id);
    assert.equal(new Set(ids).size, 3, `each event delivered once: ${JSON.stringify(ids)}`);
    assert.ok(
      delivered().every((r) => r.type === RegistryEventType.instanceEnabled && r.signed(secret)),
      'signed with the secret',
    );

    const log = await admin.call('GET', `/api/v1/webhooks/${id}/deliveries`);
    assert.deepEqual(
      (log.body.items as Array<{ status: string; attempts: number }>).map((d) => [d.status, d.attempts]),
      [
        ['delivered', 2],
        ['delivered', 2],
        ['delivered', 2],
      ],
    );
    const deadLog = await eventually(
      'three dead letters',
      async () => {
        const r = await admin.call('GET', `/api/v1/webhooks/${deadId}/deliveries?status=dead`);
        return r.body.items.length === 3 ? (r.body.items as Array<{ attempts: number; lastError: string; lastStatus: number }>) : undefined;
      },
      20_000,
    );
    assert.ok(deadLog.every((d) => d.attempts === 2 && d.lastStatus === 500 && /HTTP 500/.test(d.lastError)));
    assert.equal((await admin.call('DELETE', `/api/v1/webhooks/${deadId}`)).status, 200);
    const audit = await admin.call('GET', '/api/v1/audit?limit=200');
    const audited = (audit.body.items as Array<{ method: string; path: string }>).map((e) => `${e.method} ${e.path}`);
    assert.ok(audited.includes('POST /api/v1/webhooks') && audited.includes(`DELETE /api/v1/webhooks/${deadId}`), audited.join('\n'));
    assert.equal((await admin.call('GET', `/api/v1/webhooks/${deadId}/deliveries`)).status, 404);
  });

  it('webhooks - the console creates a webhook for chosen events, shows the secret once and the delivery log with its dead letter', async () => {
    browser = await launchBrowser({ baseURL: gw.baseUrl });
    const page = await browser.newPage();
    await signIn(page, 'admin', 'admin-password-1');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks', exact: true }).waitFor();
    const form = page.getByTestId('webhook-form');
    await form.getByLabel('Webhook URL').fill(`${base}/down`);
    await form.getByLabel('Attempts before a dead letter').fill('1');
    await form.getByText(RegistryEventType.instanceRemoved, { exact: true }).click();
    await form.getByRole('button', { name: 'Create webhook' }).click();
    await page
      .getByTestId('webhook-secret')
      .getByText(/whsec_[0-9a-f]{48}/)
      .waitFor();

    await store.append(
      'registry.Shop.cart',
      createEvent(RegistryEventType.instanceRemoved, 'Shop.cart', { service: 'Shop.cart', ip: '10.0.0.9', port: 7000 }),
    );
    const row = page
      .getByTestId('webhooks')
      .getByRole('row')
      .filter({ hasText: `${base}/down` });
    await row.getByRole('button', { name: 'Deliveries' }).click();
    const log = page.getByTestId('webhook-deliveries');
    await eventually(
      'the dead letter in the console',
      async () => {
        await log.getByRole('button', { name: 'Refresh' }).click();
        return (await log.getByText('answered HTTP 500').count()) > 0 ? true : undefined;
      },
      20_000,
      500,
    );
    await log.getByText('dead', { exact: true }).waitFor();
    await screenshot(page, 'webhooks');
    await page.close();
  });
});
