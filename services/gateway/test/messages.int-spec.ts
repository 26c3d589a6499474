import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NatsConnection } from '@nats-io/transport-node';
import { MessageBus } from '@msec/bus';
import { Component, Subjects, type HealthReport, NatsRole } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startRedis, type InfraServer } from '@msec/testing';
import { launchBrowser, screenshot, type TestBrowser, signIn } from './browser.js';
import {
  adminClient,
  buildConsole,
  eventually,
  startTestGateway,
  userClient,
  type ApiClient,
  type TestGateway,
} from './gateway-harness.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DEPLOY_MAIN = join(repo, 'services/deploy/dist/src/main.js');
const CLI_MQ = join(repo, 'cli/dist/src/commands/mq.js');

/** Runs `msec mq …` (the command module, as cli/src/main.ts dispatches it) in a child process with an API token. */
function cliMq(baseUrl: string, token: string, argv: string[]): Promise<{ code: number | null; out: string }> {
  const script = `
    import { parseArgs } from ${JSON.stringify(join(repo, 'cli/dist/src/cli-args.js'))};
    import { mq } from ${JSON.stringify(CLI_MQ)};
    const argv = JSON.parse(process.argv[1]);
    const args = parseArgs(argv, new Set(['json', 'help']));
    mq({ homeDir: process.env.MSEC_TEST_HOME }, args, undefined, argv).then(
      (code) => (process.exitCode = code),
      (e) => { process.stderr.write(e.code + ': ' + e.message + '\\n'); process.exitCode = 1; },
    );`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(['mq', ...argv, '--url', baseUrl])], {
    env: { ...process.env, MSEC_TOKEN: token, MSEC_TEST_HOME: tmpdir(), MSEC_API_URL: baseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((r) => child.once('exit', (code) => r({ code, out })));
}

describe('gateway messages', () => {
  let gw: TestGateway;
  let redis: InfraServer;
  let deploy: ChildProcess;
  let deployOutput = '';
  let dir: string;
  let nc: NatsConnection;
  let bus: MessageBus;
  let admin: ApiClient;
  let developer: ApiClient;
  let browser: TestBrowser | undefined;
  let failing = true;
  const handled: string[] = [];

  before(async () => {
    buildConsole();
    [gw, redis] = await Promise.all([startTestGateway(), startRedis()]);
    dir = mkdtempSync(join(tmpdir(), 'msec-gw-messages-'));
    deploy = spawn(process.execPath, [DEPLOY_MAIN], {
      env: { ...process.env, ...(await gw.nats.envFor(NatsRole.deploy)), MSEC_REDIS_URL: redis.url, MSEC_DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    deploy.stdout?.on('data', (d: Buffer) => (deployOutput += d.toString()));
    deploy.stderr?.on('data', (d: Buffer) => (deployOutput += d.toString()));
    nc = await gw.nats.connect();
    await eventually('the deploy service', async () => {
      const report = await natsRequest<HealthReport>(nc, Subjects.health(Component.deploy), {}, 1_000);
      return report.ready ? true : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${deployOutput}`);
    });
    bus = new MessageBus(nc, { producer: 'gateway-test' });
    await bus.init();
    await bus.subscribe(
      'shop.audit',
      (m) => {
        if (failing) throw new Error('audit store offline');
        handled.push(m.msgId);
      },
      { group: 'auditors', retry: { kind: 'fixed', delayMs: 100, maxAttempts: 2 } },
    );
    admin = await adminClient(gw, 'admin-password-1');
    developer = await userClient(gw, admin, 'dev', 'developer');
  });

  after(async () => {
    await browser?.close();
    await bus?.close();
    await nc?.close();
    await stopDeploy();
    await gw?.close();
    await redis?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function stopDeploy(): Promise<void> {
    if (!deploy || deploy.exitCode !== null || deploy.signalCode !== null) return;
    const exited = new Promise((r) => deploy.once('exit', r));
    deploy.kill('SIGTERM');
    const timer = setTimeout(() => deploy.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async function deadLetter(msgId: string): Promise<Record<string, unknown>> {
    return eventually(`dead letter ${msgId}`, async () => {
      const r = await admin.call('GET', '/api/v1/messages/dead-letters?group=auditors');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.items as Array<{ message: { msgId: string } }>).find((d) => d.message.msgId === msgId);
    });
  }

  it('messages - a developer publishes; the dead letter is listed, inspected and re-driven by an admin, not by a developer', async () => {
    const published = await developer.call('POST', '/api/v1/messages', {
      subject: 'shop.audit',
      body: { entry: 1 },
      tags: ['eu'],
      msgId: 'rest-1',
    });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    assert.equal(published.body.msgId, 'rest-1');

    const letter = await deadLetter('rest-1');
    assert.equal(letter.group, 'auditors');
    assert.equal(letter.attempts, 2);

    const inspected = await developer.call('GET', '/api/v1/messages/dead-letters/rest-1?group=auditors');
    assert.equal(inspected.status, 200);
    assert.deepEqual(inspected.body.items[0].message.body, { entry: 1 });
    assert.ok(Object.keys(inspected.body.items[0].message.headers).length > 0);

    const refused = await developer.call('POST', '/api/v1/messages/dead-letters/rest-1/redrive', { group: 'auditors' });
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    const refusedDiscard = await developer.call('DELETE', '/api/v1/messages/dead-letters/rest-1?group=auditors');
    assert.equal(refusedDiscard.status, 403);

    failing = false;
    const redriven = await admin.call('POST', '/api/v1/messages/dead-letters/rest-1/redrive', { group: 'auditors' });
    assert.equal(redriven.status, 200, JSON.stringify(redriven.body));
    assert.equal(redriven.body.redriven.length, 1);
    await eventually('the re-driven message', async () => (handled.includes('rest-1') ? true : undefined));
    failing = true;

    const again = await admin.call('POST', '/api/v1/messages/dead-letters/rest-1/redrive', {});
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'BUS_DEAD_LETTER_NOT_FOUND');

    const trace = await admin.call('GET', '/api/v1/messages/trace/rest-1');
    assert.equal(trace.status, 200);
    const kinds = (trace.body.timeline as Array<{ kind: string }>).map((s) => s.kind);
    for (const k of ['published', 'dead', 'redriven']) assert.ok(kinds.includes(k), kinds.join(','));

    const bad = await developer.call('POST', '/api/v1/messages', { subject: 'shop.audit', body: 1, deliverAt: 'soon' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'body.deliverAt');
    const viewer = await userClient(gw, admin, 'vera', 'viewer');
    assert.equal((await viewer.call('POST', '/api/v1/messages', { subject: 'shop.audit', body: 1 })).status, 403);
    assert.equal((await viewer.call('GET', '/api/v1/messages/streams')).status, 200);

    const unknownStream = await admin.call('GET', '/api/v1/messages/consumers?stream=abc');
    assert.equal(unknownStream.status, 404, JSON.stringify(unknownStream.body));
    assert.equal(unknownStream.body.error.code, 'BUS_STREAM_NOT_FOUND');
  });

  it('messages - the CLI publishes with tags and a delay, lists streams and dead letters, re-drives and traces', async () => {
    failing = true;
    const created = await admin.call('POST', '/api/v1/tokens', { name: 'cli', expiresInDays: 1 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const token = created.body.token as string;
    const pub = await cliMq(gw.baseUrl, token, [
      'publish',
      'shop.audit',
      '{"entry":3}',
      '--tag',
      'eu',
      '--tag',
      'vip',
      '--delay',
      '600',
      '--id',
      'cli-3',
    ]);
    assert.equal(pub.code, 0, pub.out);
    assert.match(pub.out, /Published cli-3, due /);
    await deadLetter('cli-3');
    const streams = await cliMq(gw.baseUrl, token, ['streams']);
    assert.equal(streams.code, 0, streams.out);
    assert.match(streams.out, /MSEC_MQ_DLQ/);
    assert.match(streams.out, /auditors/);
    const dlq = await cliMq(gw.baseUrl, token, ['dlq', '--group', 'auditors']);
    assert.equal(dlq.code, 0, dlq.out);
    assert.match(dlq.out, /cli-3\s+shop\.audit\s+auditors\s+2/);
    failing = false;
    const redrive = await cliMq(gw.baseUrl, token, ['redrive', 'cli-3', '--group', 'auditors']);
    assert.equal(redrive.code, 0, redrive.out);
    await eventually('the re-driven message', async () => (handled.includes('cli-3') ? true : undefined));
    const trace = await cliMq(gw.baseUrl, token, ['trace', 'cli-3', '--json']);
    assert.equal(trace.code, 0, trace.out);
    const view = JSON.parse(trace.out) as { tags: string[]; timeline: Array<{ kind: string }> };
    assert.deepEqual([...view.tags].sort(), ['eu', 'vip']);
    for (const k of ['published', 'dispatched', 'dead', 'redriven'])
      assert.ok(
        view.timeline.some((t) => t.kind === k),
        `${k}: ${trace.out}`,
      );
    // A message scheduled for 2028 is withdrawn through the CLI; REST answers 404 for an unknown id, a viewer 403.
    const later = await cliMq(gw.baseUrl, token, [
      'publish',
      'shop.audit',
      '{"entry":4}',
      '--at',
      '2028-06-01T00:00:00Z',
      '--id',
      'cli-2028',
    ]);
    assert.equal(later.code, 0, later.out);
    const cancel = await cliMq(gw.baseUrl, token, ['cancel', 'cli-2028']);
    assert.equal(cancel.code, 0, cancel.out);
    assert.match(cancel.out, /Cancelled cli-2028 \(shop\.audit, due 2028-06-01T00:00:00\.000Z\): it will not be delivered/);
    assert.match((await cliMq(gw.baseUrl, token, ['cancel', 'cli-2028'])).out, /already cancelled/);
    assert.equal((await admin.call('DELETE', '/api/v1/messages/scheduled/no-such-id')).status, 404);
    const watcher = await userClient(gw, admin, 'wally', 'viewer');
    assert.equal((await watcher.call('DELETE', '/api/v1/messages/scheduled/cli-2028')).status, 403);
    const delivered = await cliMq(gw.baseUrl, token, ['cancel', 'cli-3']);
    assert.equal(delivered.code, 1);
    assert.match(delivered.out, /already delivered/);
    const bad = await cliMq(gw.baseUrl, token, ['publish', 'shop.audit', '{oops', '--delay', '5']);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /JSON/);
  });

  it('messages - the console shows streams, a dead letter with its content and trace, and re-drives it', async () => {
    failing = true;
    const published = await admin.call('POST', '/api/v1/messages', { subject: 'shop.audit', body: { entry: 2 }, msgId: 'console-2' });
    assert.equal(published.status, 201);
    await deadLetter('console-2');

    browser = await launchBrowser({ baseURL: gw.baseUrl });
    const page = await browser.newPage();
    await signIn(page, 'admin', 'admin-password-1');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Messages', exact: true }).waitFor();
    await page.getByTestId('streams').getByText('MSEC_MQ', { exact: true }).waitFor();
    await page.getByTestId('consumers').getByText('auditors', { exact: false }).first().waitFor();
    const row = page.getByTestId('dead-letters').getByRole('row').filter({ hasText: 'console-2' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Inspect' }).click();
    const detail = page.getByTestId('dead-letter-detail');
    await detail.getByText('"entry": 2').waitFor();
    await detail.getByText('Msec-Dead-Reason', { exact: false }).first().waitFor();
    await row.getByRole('button', { name: 'Trace' }).click();
    await page.getByTestId('trace-timeline').getByText('Dead-lettered').first().waitFor();
    await screenshot(page, 'messages');

    failing = false;
    await row.getByRole('button', { name: 'Re-drive' }).click();
    await page.getByText('Re-drove console-2').waitFor();
    await eventually('the re-driven message', async () => (handled.includes('console-2') ? true : undefined));
    // A message scheduled for 2028 is looked up and cancelled from its trace.
    const scheduled = await admin.call('POST', '/api/v1/messages', {
      subject: 'shop.audit',
      body: { entry: 5 },
      deliverAt: '2028-06-01T00:00:00Z',
      msgId: 'console-2028',
    });
    assert.equal(scheduled.status, 201, JSON.stringify(scheduled.body));
    const trace = page.getByTestId('trace');
    await trace.getByLabel('Message id').fill('console-2028');
    const cancelButton = trace.getByRole('button', { name: 'Cancel this scheduled message' });
    // The publish is indexed for lookups within a moment: look up again until the trace knows it.
    for (let attempt = 1; !(await cancelButton.isVisible()); attempt += 1) {
      if (attempt > 10) throw new Error('the trace of the scheduled message never offered Cancel');
      await trace.getByRole('button', { name: 'Look up' }).click();
      await cancelButton.waitFor({ timeout: 1000 }).catch(() => undefined);
    }
    await cancelButton.click();
    await trace.getByText('cancelled', { exact: true }).waitFor();
    assert.equal((await admin.call('DELETE', '/api/v1/messages/scheduled/console-2028')).body.alreadyCancelled, true);
    await page.close();

    // A viewer sees the lists but no buttons that change anything.
    failing = true;
    await admin.call('POST', '/api/v1/messages', { subject: 'shop.audit', body: { entry: 4 }, msgId: 'viewer-4' });
    await deadLetter('viewer-4');
    const viewerBrowser = await launchBrowser({ baseURL: gw.baseUrl });
    try {
      const vp = await viewerBrowser.newPage();
      await signIn(vp, 'vera', 'vera-password-2');
      await vp.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await vp.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Messages', exact: true }).click();
      await vp.getByTestId('dead-letters').getByRole('row').filter({ hasText: 'viewer-4' }).waitFor();
      assert.equal(await vp.getByTestId('mutation-button').count(), 0, 'a viewer sees no mutation buttons');
      assert.equal(await vp.getByTestId('publish').count(), 0);
      // Without the deploy service (which hosts the bus API) the page says so.
      await stopDeploy();
      await vp.reload();
      await vp.getByTestId('empty-state').getByText('not reachable').waitFor();
      await screenshot(vp, 'messages-bus-down');
    } finally {
      await viewerBrowser.close();
    }
  });
});
