import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type NatsConnection } from '@nats-io/transport-node';
import { MonitorSubjects, NatsRole } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { BreakerCounters, CircuitBreakers, MonitorReporter } from '@msec/sdk';
import { launchBrowser, screenshot, type TestBrowser, signIn } from './browser.js';
import {
  adminClient,
  buildConsole,
  eventually,
  startServiceProcess,
  startTestGateway,
  userClient,
  type ApiClient,
  type ServiceProcess,
  type TestGateway,
} from './gateway-harness.js';

const SERVICE = 'Demo.login';
const CLI_MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'), 'cli/dist/src/main.js');
const CALLEE = 'Flight.mod_flight';

describe('gateway monitoring', () => {
  let gw: TestGateway;
  let monitor: ServiceProcess;
  let nc: NatsConnection;
  let admin: ApiClient;
  let dev: ApiClient;
  let viewer: ApiClient;
  /** Three complete minutes that end a minute ago, all in one UTC day. */
  let minutes: number[];
  let day: string;

  before(async () => {
    buildConsole();
    gw = await startTestGateway();
    monitor = await startServiceProcess('monitor', {
      ...(await gw.nats.envFor(NatsRole.monitor)),
      MSEC_MONITOR_ALARM_INTERVAL_MS: '0',
      MSEC_MONITOR_ALARM_GRACE_MS: '0',
    });
    nc = await gw.nats.connect();
    admin = await adminClient(gw);
    dev = await userClient(gw, admin, 'dora', 'developer');
    viewer = await userClient(gw, admin, 'vic', 'viewer');
    await eventually('the monitor answers through the gateway', async () =>
      (await viewer.call('GET', '/api/v1/monitoring/services')).status === 200 ? true : undefined,
    );

    // Two hosts report login_ok in three past minutes (host A: 5, 6, 7; host B: 1, 1, 1) and caller-side RPC records.
    const now = Math.floor(Date.now() / 60_000);
    const last = now % 1440 < 4 ? now - (now % 1440) - 1 : now - 1; // stay inside one day, even just after midnight
    minutes = [last - 2, last - 1, last];
    day = new Date(last * 60_000).toISOString().slice(0, 10);
    let clock = 0;
    const a = new MonitorReporter({ nc, service: SERVICE, host: '10.0.0.1', flushIntervalMs: 60_000, now: () => clock });
    const b = new MonitorReporter({ nc, service: SERVICE, host: '10.0.0.2', flushIntervalMs: 60_000, now: () => clock });
    minutes.forEach((m, i) => {
      clock = m * 60_000 + 1000;
      a.add('login_ok', 5 + i);
      b.add('login_ok');
      a.setMax('latency_ms', 40 + i);
      a.recordCalls([
        { caller: SERVICE, callee: CALLEE, method: 'queryFlight', ok: true, latencyMs: 3, endedAt: clock },
        { caller: SERVICE, callee: CALLEE, method: 'queryFlight', ok: false, errorCode: 'RPC_TIMEOUT', latencyMs: 900, endedAt: clock },
      ]);
    });
    await Promise.all([a.close(), b.close()]);
  });

  after(async () => {
    await nc?.close();
    await monitor?.stop();
    await gw?.close();
  });

  it('monitoring - reports sent with MonitorReporter show up through REST for the service and for one host', async () => {
    const q = `service=${SERVICE}&attr=login_ok&day=${day}`;
    const curve = await eventually('the service curve has all three minutes', async () => {
      const r = await viewer.call('GET', `/api/v1/monitoring/curve?${q}&compare=yesterday,weekAgo`);
      return r.status === 200 && r.body.values[minutes[2]! % 1440] !== null ? r.body : undefined;
    });
    assert.deepEqual(
      minutes.map((m) => curve.values[m % 1440]),
      [6, 7, 8],
    );
    assert.equal(curve.kind, 'sum');
    assert.equal(curve.host, null);
    assert.equal(curve.values.length, 1440);
    assert.equal(curve.yesterday.length, 1440);
    assert.equal(curve.weekAgo.length, 1440);

    const host = await viewer.call('GET', `/api/v1/monitoring/curve?${q}&host=10.0.0.1`);
    assert.equal(host.status, 200, JSON.stringify(host.body));
    assert.deepEqual(
      minutes.map((m) => host.body.values[m % 1440]),
      [5, 6, 7],
    );
    assert.equal(host.body.yesterday, undefined);

    const services = await viewer.call('GET', '/api/v1/monitoring/services');
    assert.ok(services.body.items.includes(SERVICE), JSON.stringify(services.body));
    const attrs = await viewer.call('GET', `/api/v1/monitoring/attrs?service=${SERVICE}`);
    assert.deepEqual(
      attrs.body.items
        .filter((x: { attr: string }) => !x.attr.startsWith('rpc|'))
        .map((x: { attr: string; kind: string }) => [x.attr, x.kind]),
      [
        ['latency_ms', 'max'],
        ['login_ok', 'sum'],
      ],
    );
    const hosts = await viewer.call('GET', `/api/v1/monitoring/hosts?service=${SERVICE}&attr=login_ok`);
    assert.deepEqual(hosts.body.items, ['10.0.0.1', '10.0.0.2']);

    const totals = await viewer.call('GET', `/api/v1/monitoring/totals?service=${SERVICE}&day=${day}&host=10.0.0.1`);
    assert.equal(totals.status, 200, JSON.stringify(totals.body));
    assert.equal(totals.body.totals.find((t: { attr: string }) => t.attr === 'login_ok').value, 18);
    const top = await viewer.call('GET', `/api/v1/monitoring/top?service=${SERVICE}&day=${day}&n=1`);
    assert.deepEqual(
      top.body.totals.map((t: { attr: string; value: number }) => [t.attr, t.value]),
      [['login_ok', 21]],
    );

    const calls = await viewer.call('GET', `/api/v1/monitoring/calls?day=${day}&callee=${CALLEE}`);
    assert.equal(calls.status, 200, JSON.stringify(calls.body));
    assert.deepEqual(
      calls.body.rows.map((r: { caller: string; method: string; requests: number; failures: number }) => [
        r.caller,
        r.method,
        r.requests,
        r.failures,
      ]),
      [[SERVICE, 'queryFlight', 6, 3]],
    );
    assert.deepEqual(calls.body.rows[0].failuresByCode, { RPC_TIMEOUT: 3 });

    const bad = await viewer.call('GET', `/api/v1/monitoring/curve?service=${SERVICE}&attr=login_ok&day=yesterday`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'query.day');
  });

  it("traffic - a callee's page lists the breakers its callers keep for it: open, with openings and refused calls, from the callers' reports", async () => {
    // A caller's breaker for queryFlight opens on failures and refuses calls while open; its reporter sends that.
    const clock = 1_000;
    const breakers = new CircuitBreakers(undefined, () => clock);
    const breaker = breakers.for(CALLEE, 'queryFlight');
    for (let i = 0; i < 10; i += 1) breaker.record(true, 5, clock);
    assert.equal(breaker.tryPass(clock), false, 'the breaker is open');
    assert.equal(breaker.tryPass(clock), false);
    const reporter = new MonitorReporter({
      nc,
      service: SERVICE,
      host: '10.0.0.1',
      flushIntervalMs: 60_000,
      sources: [new BreakerCounters(() => breakers.report())],
    });
    await reporter.close();
    const path = `/api/v1/services/${CALLEE}/breakers`;
    const shown = await eventually('the caller breaker through REST', async () => {
      const r = await viewer.call('GET', path);
      return r.status === 200 && r.body.breakers.length > 0 ? r.body : undefined;
    });
    assert.deepEqual(
      shown.breakers.map((b: { caller: string; method: string; state: string; opened: number; refused: number }) => [
        b.caller,
        b.method,
        b.state,
        b.opened,
        b.refused,
      ]),
      [[SERVICE, 'queryFlight', 'open', 1, 2]],
    );
    // A service nobody calls has none; a bad name is 400 naming the path.
    assert.deepEqual((await viewer.call('GET', '/api/v1/services/Nobody.calls/breakers')).body.breakers, []);
    const bad = await viewer.call('GET', '/api/v1/services/bad name/breakers');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'path.name');
  });

  it('monitoring - alarm rules: developers create, change and delete; bad fields answer 400 naming them; viewers only read', async () => {
    const cases: [unknown, string][] = [
      [{ service: SERVICE, attr: 'login_ok', type: 'above', threshold: 1 }, 'body.type'],
      [{ service: SERVICE, attr: 'login_ok', type: 'max', threshold: 'ten' }, 'body.threshold'],
      [{ service: 'login', attr: 'login_ok', type: 'max', threshold: 1 }, 'body.service'],
      [{ service: SERVICE, attr: 'login_ok', type: 'max', threshold: 1, colour: 'red' }, 'body.colour'],
      // Checked by the monitor itself, renamed to where the REST caller put it.
      [{ service: SERVICE, attr: 'login_ok', type: 'nodata', threshold: 0.5 }, 'body.threshold'],
      [{ service: SERVICE, attr: 'login_ok', type: 'max', threshold: 1, webhookUrl: 'ftp://127.0.0.1/x' }, 'body.webhookUrl'],
    ];
    for (const [body, field] of cases) {
      const r = await dev.call('POST', '/api/v1/alarm-rules', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.equal(r.body.error.field, field, JSON.stringify(r.body));
      assert.match(r.body.error.message, new RegExp(`^${field.replace('.', '\\.')}`));
    }

    const created = await dev.call('POST', '/api/v1/alarm-rules', { service: SERVICE, attr: 'login_ok', type: 'max', threshold: 7 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.equal(
      (await viewer.call('POST', '/api/v1/alarm-rules', { service: SERVICE, attr: 'x', type: 'max', threshold: 1 })).status,
      403,
    );
    assert.equal((await viewer.call('PATCH', `/api/v1/alarm-rules/${id}`, { threshold: 1 })).status, 403);
    assert.equal((await viewer.call('DELETE', `/api/v1/alarm-rules/${id}`)).status, 403);

    const changed = await dev.call('PATCH', `/api/v1/alarm-rules/${id}`, { threshold: 6, host: '10.0.0.1' });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual([changed.body.threshold, changed.body.host, changed.body.type], [6, '10.0.0.1', 'max']);
    const badChange = await dev.call('PATCH', `/api/v1/alarm-rules/${id}`, { type: 'nodata', threshold: 0 });
    assert.equal(badChange.body.error.field, 'body.threshold', JSON.stringify(badChange.body));
    const listed = await viewer.call('GET', `/api/v1/alarm-rules?service=${SERVICE}`);
    assert.deepEqual(
      listed.body.items.map((r: { id: string; threshold: number }) => [r.id, r.threshold]),
      [[id, 6]],
    );

    // Host 10.0.0.1 reported 7 in the last minute: above 6, so judging that minute raises one active alarm.
    await eventually('the host curve has the last minute', async () => {
      const r = await viewer.call('GET', `/api/v1/monitoring/curve?service=${SERVICE}&attr=login_ok&host=10.0.0.1&day=${day}`);
      return r.body.values?.[minutes[2]! % 1440] === 7 ? true : undefined;
    });
    await natsRequest(nc, MonitorSubjects.alarmsEvaluate, { atMs: (minutes[2]! + 1) * 60_000 });
    const active = await viewer.call('GET', '/api/v1/alarms');
    assert.equal(active.status, 200, JSON.stringify(active.body));
    assert.deepEqual(
      active.body.items.map((a: { ruleId: string; state: string; value: number }) => [a.ruleId, a.state, a.value]),
      [[id, 'active', 7]],
    );
    assert.equal((await viewer.call('GET', '/api/v1/alarms?state=recovered')).body.items.length, 0);
    assert.equal((await viewer.call('GET', '/api/v1/alarms?state=later')).body.error.field, 'query.state');

    const missing = await dev.call('DELETE', '/api/v1/alarm-rules/no-such-rule');
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    assert.equal(missing.body.error.code, 'MONITOR_RULE_NOT_FOUND');
  });

  it('monitoring - the CLI adds, lists and deletes alarm rules, a DIFF rule among them, and names a bad type', async () => {
    const token = (await dev.call('POST', '/api/v1/tokens', { name: 'cli-rules' })).body.token as string;
    // Not execFileSync: the gateway runs in this process and must keep answering while the CLI waits.
    const cli = (...words: string[]) =>
      promisify(execFile)(process.execPath, [CLI_MAIN, 'monitor', ...words, '--url', gw.baseUrl], {
        env: { ...process.env, MSEC_TOKEN: token },
      });
    const added = await cli('rule', 'add', 'Demo.cli', 'orders', '--type', 'diff-down', '--threshold', '500', '--json');
    const rule = JSON.parse(added.stdout) as { id: string; type: string; threshold: number };
    assert.deepEqual([rule.type, rule.threshold], ['diff-down', 500]);
    const listed = await cli('rules', '--service', 'Demo.cli');
    assert.match(listed.stdout, /Demo\.cli +orders .*-500 vs yesterday/);
    await assert.rejects(cli('rule', 'add', 'Demo.cli', 'orders', '--type', 'sideways', '--threshold', '1'), /type/);
    await cli('rule', 'delete', rule.id);
    assert.match((await cli('rules', '--service', 'Demo.cli')).stdout, /No alarm rules yet/);
  });

  it('monitoring - ./msec rebuild monitor replays alarm rules and alarms from their events (admin only); the console reads the same after', async () => {
    const adminToken = (await admin.call('POST', '/api/v1/tokens', { name: 'rebuild-monitor' })).body.token as string;
    const devToken = (await dev.call('POST', '/api/v1/tokens', { name: 'rebuild-monitor-dev' })).body.token as string;
    await dev.call('POST', '/api/v1/alarm-rules', { service: 'Demo.rebuild', attr: 'orders', type: 'min', threshold: 2 });
    const rebuild = (token: string) =>
      promisify(execFile)(process.execPath, [CLI_MAIN, 'rebuild', 'monitor', '--url', gw.baseUrl], {
        env: { ...process.env, MSEC_TOKEN: token },
      });
    const rules = (await viewer.call('GET', '/api/v1/alarm-rules')).body.items as unknown[];
    const alarms = (await viewer.call('GET', '/api/v1/alarms?state=all')).body.items as unknown[];
    assert.ok(rules.length >= 1);
    await assert.rejects(rebuild(devToken), /403|role|admin/i);
    assert.match(
      (await rebuild(adminToken)).stdout,
      new RegExp(`monitor rebuilt from its events: ${rules.length} alarmRules, ${alarms.length} alarms`),
    );
    assert.deepEqual((await viewer.call('GET', '/api/v1/alarm-rules')).body.items, rules);
    assert.deepEqual((await viewer.call('GET', '/api/v1/alarms?state=all')).body.items, alarms);
  });

  it('monitoring - a rule whose webhook targets loopback, link-local or the metadata service is refused naming the field and the fix', async () => {
    const rule = { service: SERVICE, attr: 'login_ok', type: 'max', threshold: 1 };
    for (const webhookUrl of [
      'http://127.0.0.1:9/hook',
      'http://localhost:8080/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/x',
    ]) {
      const r = await dev.call('POST', '/api/v1/alarm-rules', { ...rule, webhookUrl });
      assert.equal(r.status, 400, `${webhookUrl}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.equal(r.body.error.field, 'body.webhookUrl');
      assert.match(r.body.error.message, /MSEC_MONITOR_WEBHOOK_ALLOW_INTERNAL=true/);
    }
    // An outside address is accepted (nothing is sent until the rule fires), and cannot be changed to an internal one.
    const created = await dev.call('POST', '/api/v1/alarm-rules', { ...rule, attr: 'hooked', webhookUrl: 'http://203.0.113.7/hook' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    const moved = await dev.call('PATCH', `/api/v1/alarm-rules/${id}`, { webhookUrl: 'http://127.0.0.2/hook' });
    assert.equal(moved.status, 400, JSON.stringify(moved.body));
    assert.equal(moved.body.error.field, 'body.webhookUrl');
    assert.equal(
      (await viewer.call('GET', `/api/v1/alarm-rules?service=${SERVICE}`)).body.items.find((r: { id: string }) => r.id === id)?.webhookUrl,
      'http://203.0.113.7/hook',
    );
    assert.equal((await dev.call('DELETE', `/api/v1/alarm-rules/${id}`)).status, 200);
  });

  it('monitoring - GET /metrics serves every series in Prometheus text format to an API token, and 401 without one', async () => {
    const anonymous = await fetch(`${gw.baseUrl}/metrics`);
    assert.equal(anonymous.status, 401);
    const token = await viewer.call('POST', '/api/v1/tokens', { name: 'prometheus', expiresInDays: 1 });
    assert.equal(token.status, 201, JSON.stringify(token.body));
    const secret = token.body.token as string;
    const res = await fetch(`${gw.baseUrl}/metrics`, { headers: { authorization: `Bearer ${secret}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    assert.match(text, /^# TYPE msec_attr_value gauge$/m);
    assert.match(text, /^msec_attr_value\{service="Demo\.login",attr="login_ok",host="10\.0\.0\.2",kind="sum"\} 1 \d+$/m);
    // Today's running total (host A: 5 + 6 + 7), unless the minutes reported were yesterday's (a run just after midnight).
    if (day === new Date().toISOString().slice(0, 10))
      assert.match(text, /^msec_attr_today_total\{service="Demo\.login",attr="login_ok",host="10\.0\.0\.1",kind="sum"\} 18$/m);
    const lastMinute = new RegExp(
      `^msec_attr_value\\{service="Demo\\.login",attr="login_ok",host="",kind="sum"\\} 8 ${minutes[2]! * 60_000}$`,
      'm',
    );
    assert.match(text, lastMinute, text);
  });

  describe('console', () => {
    let browser: TestBrowser;
    before(async () => {
      browser = await launchBrowser({ baseURL: gw.baseUrl });
    });
    after(async () => {
      await browser?.close();
    });

    it('monitoring - the Monitoring page draws the curve of a picked attribute, drills down to a host, and lists alarms', async () => {
      const page = await browser.newPage({ width: 1280, height: 1100 });
      await signIn(page, 'dora', 'dora-password-2');
      await page.getByTestId('stat-Active alarms').filter({ hasText: '1' }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Monitoring' }).waitFor();

      await page.getByLabel('Service', { exact: true }).selectOption(SERVICE);
      await page.getByLabel('Day', { exact: true }).fill(day);
      await page.getByRole('checkbox', { name: 'login_ok' }).check();
      const chart = page.getByTestId('curve-login_ok');
      await chart.locator('canvas').first().waitFor();
      await page.locator('[data-testid="curve-login_ok"][data-points="3"]').waitFor();
      assert.equal(await chart.getAttribute('data-total'), '21');

      await page.getByLabel('Host', { exact: true }).selectOption('10.0.0.1');
      await page.locator('[data-testid="curve-login_ok"][data-total="18"]').waitFor();

      await page.getByTestId('calls').getByText(CALLEE).first().waitFor();
      await page.getByTestId('alarms').getByText('login_ok').first().waitFor();
      await page.getByTestId('alarm-rules').getByText('login_ok').first().waitFor();

      // A bad threshold is shown next to its field.
      await page.getByRole('button', { name: 'New alarm rule' }).click();
      const form = page.getByTestId('rule-form');
      await form.getByLabel('Attribute').fill('latency_ms');
      await form.getByLabel('Type').selectOption('nodata');
      await form.getByLabel('Threshold').fill('0.5');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await form.getByTestId('field-error-threshold').waitFor();
      await form.getByLabel('Threshold').fill('5');
      await form.getByRole('button', { name: 'Save rule' }).click();
      await page.getByTestId('alarm-rules').getByText('latency_ms').waitFor();

      await screenshot(page, 'monitoring');
      await page.close();
    });
  });
});
