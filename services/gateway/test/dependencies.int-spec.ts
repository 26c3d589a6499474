import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { LogSubjects, MonitorSubjects, NatsRole, StatKind, calleeRpcAttr, type LogLine, type StatsBatch } from '@msec/contracts';
import { MonitorReporter, createSpanReporter, newSpanId, newTraceId } from '@msec/sdk';
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

const FLIGHT = 'Flight.mod_flight';
const LOGIN = 'Demo.login';
const SEARCH = 'Demo.search';
const USER = 'User.mod_user';
const CLIENT = 'unknown@10.0.0.9';

interface Edge {
  caller: string;
  callee: string;
  calls: number;
  errors: number;
  avgMs: number;
  exampleTraceIds: string[];
  source: string;
}

describe('gateway dependency graph and log storage', () => {
  let gw: TestGateway;
  let monitor: ServiceProcess;
  let logService: ServiceProcess;
  let nc: NatsConnection;
  let viewer: ApiClient;
  let admin: ApiClient;
  let dev: ApiClient;
  const traceId = newTraceId();
  /** Three complete minutes that end a minute ago. */
  let minutes: number[];

  before(async () => {
    buildConsole();
    gw = await startTestGateway();
    monitor = await startServiceProcess('monitor', { ...(await gw.nats.envFor(NatsRole.monitor)), MSEC_MONITOR_ALARM_INTERVAL_MS: '0' });
    logService = await startServiceProcess('log', {
      ...(await gw.nats.envFor(NatsRole.log)),
      MSEC_LOG_INGEST_FLUSH_MS: '20',
      MSEC_LOG_MAX_LINES: '10',
      MSEC_LOG_STORE_CHECK_SECONDS: '1',
    });
    nc = await gw.nats.connect();
    admin = await adminClient(gw);
    viewer = await userClient(gw, admin, 'vic', 'viewer');
    dev = await userClient(gw, admin, 'dora', 'developer');
    await eventually('the monitor and the log service answer through the gateway', async () =>
      (await viewer.call('GET', '/api/v1/monitoring/services')).status === 200 &&
      (await viewer.call('GET', '/api/v1/logs/storage')).status === 200
        ? true
        : undefined,
    );

    // Two SDK callers and a client that is not an SDK service call Flight, which calls User: six calls a minute
    // from login (half of them failing), two from search, one from the client as Flight counts it.
    const last = Math.floor(Date.now() / 60_000) - 1;
    minutes = [last - 2, last - 1, last];
    let clock = 0;
    const login = new MonitorReporter({ nc, service: LOGIN, host: '10.0.0.1', flushIntervalMs: 60_000, now: () => clock });
    const search = new MonitorReporter({ nc, service: SEARCH, host: '10.0.0.2', flushIntervalMs: 60_000, now: () => clock });
    const flight = new MonitorReporter({ nc, service: FLIGHT, host: '10.0.0.3', flushIntervalMs: 60_000, now: () => clock });
    for (const m of minutes) {
      clock = m * 60_000 + 1000;
      for (let i = 0; i < 3; i++)
        login.recordCalls([
          { caller: LOGIN, callee: FLIGHT, method: 'queryFlight', ok: true, latencyMs: 0.31356776674822223, endedAt: clock },
          { caller: LOGIN, callee: FLIGHT, method: 'queryFlight', ok: false, errorCode: 'RPC_TIMEOUT', latencyMs: 900, endedAt: clock },
        ]);
      search.recordCalls([
        { caller: SEARCH, callee: FLIGHT, method: 'queryFlight', ok: true, latencyMs: 3, endedAt: clock },
        { caller: SEARCH, callee: FLIGHT, method: 'listFlights', ok: true, latencyMs: 12, endedAt: clock },
      ]);
      flight.recordCalls([{ caller: FLIGHT, callee: USER, method: 'getUser', ok: true, latencyMs: 1.5, endedAt: clock }]);
    }
    await Promise.all([login.close(), search.close(), flight.close()]);
    // Flight's own count of the calls it served from a raw client (the SDK reports these on the callee side).
    const served: StatsBatch = {
      v: 1,
      service: FLIGHT,
      host: '10.0.0.3',
      instance: 'i1',
      sentAt: Date.now(),
      dropped: 0,
      items: minutes.flatMap((m): StatsBatch['items'] => [
        [calleeRpcAttr(CLIENT, FLIGHT, 'queryFlight', 'requests'), m, StatKind.sum, 1, 1],
        [calleeRpcAttr(CLIENT, FLIGHT, 'queryFlight', 'lat|3'), m, StatKind.sum, 1, 1],
      ]),
    };
    await jetstream(nc).publish(MonitorSubjects.stats(FLIGHT), JSON.stringify(served));

    // Only one of login's calls was traced (sampling): its span gives the example trace.
    const spans = createSpanReporter({ nc, service: LOGIN, spoolDir: logService.dataDir });
    spans.report({
      traceId,
      spanId: newSpanId(),
      caller: LOGIN,
      callee: FLIGHT,
      method: 'queryFlight',
      start: minutes[1]! * 60_000 + 5000,
      duration: 0.31356776674822223,
      status: 'ok',
    });
    await spans.flush();
    await spans.close();
    // More lines than the log store's limit of 10.
    const lines: LogLine[] = Array.from({ length: 30 }, (_, i) => ({
      id: `storage-line-${i}`,
      ts: Date.now() - 30_000 + i,
      level: 'INFO',
      service: FLIGHT,
      host: '10.0.0.3',
      instance: 'i1',
      message: `served ${i}`,
      fields: {},
    }));
    await jetstream(nc).publish(LogSubjects.ingestLines, JSON.stringify(lines));
  });

  after(async () => {
    await nc?.close();
    await Promise.all([monitor?.stop(), logService?.stop()]);
    await gw?.close();
  });

  const range = (): string => `from=${minutes[0]! * 60_000}&to=${(minutes[2]! + 1) * 60_000}`;

  it('dependencies - counts come from the call statistics (exact under sampling), example traces from the sampled spans', async () => {
    const graph = await eventually('four edges with the example trace', async () => {
      const r = await viewer.call('GET', `/api/v1/dependencies?${range()}`);
      const edges = r.body.edges as Edge[] | undefined;
      return edges?.length === 4 && edges.some((e) => e.exampleTraceIds.length > 0) ? r.body : undefined;
    });
    assert.deepEqual(
      (graph.edges as Edge[]).map((e) => [e.caller, e.callee, e.calls, e.errors, e.source]),
      [
        [LOGIN, FLIGHT, 18, 9, 'statistics'],
        [SEARCH, FLIGHT, 6, 0, 'statistics'],
        [FLIGHT, USER, 3, 0, 'statistics'],
        [CLIENT, FLIGHT, 3, 0, 'statistics'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1]))),
    );
    const login = (graph.edges as Edge[]).find((e) => e.caller === LOGIN)!;
    assert.deepEqual(login.exampleTraceIds, [traceId]);
    // Half the calls in the first bucket (middle 0.5 ms), half in the 500–1000 ms one (middle 750 ms).
    assert.equal(login.avgMs, 375.25);
    assert.deepEqual(graph.services, [LOGIN, SEARCH, FLIGHT, USER, CLIENT].sort());
    assert.match(graph.mermaid, /18 calls, 50% errors, avg 375\.3 ms/);
  });

  it('log storage - the limits, what the store holds and what was dropped show through REST and in /metrics', async () => {
    const storage = await eventually('lines dropped by the limit', async () => {
      const r = await viewer.call('GET', '/api/v1/logs/storage');
      return r.body.dropped?.lines > 0 ? r.body : undefined;
    });
    assert.equal(storage.limits.maxLines, 10);
    assert.ok(storage.stored.lines <= 10, JSON.stringify(storage));
    assert.equal(storage.dropped.linesBelowWarn, storage.dropped.lines);
    const token = await viewer.call('POST', '/api/v1/tokens', { name: 'prometheus', expiresInDays: 1 });
    const res = await fetch(`${gw.baseUrl}/metrics`, { headers: { authorization: `Bearer ${token.body.token as string}` } });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /^# TYPE msec_log_dropped_total counter$/m);
    assert.match(text, new RegExp(`^msec_log_dropped_total\\{what="lines"\\} ${storage.dropped.lines}$`, 'm'));
    assert.match(text, /^msec_log_limit\{what="lines"\} 10$/m);
    assert.match(text, /^msec_attr_value\{service="Demo\.login"/m, 'the monitor series are still there');
  });

  it('trace sampling - developers set and remove the rate and cap of a service, viewers read; bad values answer 400 naming the field', async () => {
    assert.deepEqual((await viewer.call('GET', '/api/v1/trace-sampling')).body, { services: {} });
    assert.equal((await viewer.call('PUT', `/api/v1/trace-sampling/${FLIGHT}`, { rate: 0.05, maxPerSecond: 100 })).status, 403);
    const bad = await dev.call('PUT', `/api/v1/trace-sampling/${FLIGHT}`, { rate: 5, maxPerSecond: 100 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'body.rate');
    assert.equal(
      (await dev.call('PUT', '/api/v1/trace-sampling/not-a-service', { rate: 0.1, maxPerSecond: 1 })).body.error.field,
      'path.service',
    );
    await dev.call('PUT', `/api/v1/trace-sampling/${USER}`, { rate: 1, maxPerSecond: 10 });
    const set = await dev.call('PUT', `/api/v1/trace-sampling/${FLIGHT}`, { rate: 0.05, maxPerSecond: 100 });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.services[FLIGHT], { rate: 0.05, maxPerSecond: 100 });
    const removed = await dev.call('DELETE', `/api/v1/trace-sampling/${USER}`);
    assert.deepEqual(removed.body, { services: { [FLIGHT]: { rate: 0.05, maxPerSecond: 100 } } });
    // An admin replays the log service's settings from their events: nothing changes; a developer may not.
    assert.equal((await dev.call('POST', '/api/v1/admin/rebuild/log')).status, 403);
    const rebuilt = await admin.call('POST', '/api/v1/admin/rebuild/log');
    assert.equal(rebuilt.status, 200, JSON.stringify(rebuilt.body));
    assert.equal(rebuilt.body.samplingServices, 1);
    assert.deepEqual((await viewer.call('GET', '/api/v1/trace-sampling')).body, removed.body);
  });

  describe('console', () => {
    let browser: TestBrowser;
    before(async () => {
      browser = await launchBrowser({ baseURL: gw.baseUrl });
    });
    after(async () => {
      await browser?.close();
    });

    it('dependencies - the graph draws three callers of one callee with labels that overlap neither each other nor a node', async () => {
      const page = await browser.newPage({ width: 1400, height: 1000 });
      await signIn(page, 'vic', 'vic-password-2');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call graph', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Call graph' }).waitFor();
      const card = page.getByTestId('dependency-graph');
      await eventually('four edges drawn', async () => ((await card.getByTestId('dep-edge').count()) === 4 ? true : undefined));

      const boxes = async (selector: string): Promise<Array<{ x: number; y: number; width: number; height: number }>> => {
        const out = [];
        for (const el of await card.locator(selector).all()) out.push((await el.boundingBox())!);
        return out;
      };
      const labels = await boxes('.dep-label-box');
      const nodes = await boxes('.dep-node rect');
      const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean =>
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      assert.equal(labels.length, 4);
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) assert.ok(!overlap(labels[i]!, labels[j]!), `labels ${i} and ${j} overlap`);
        for (const node of nodes) assert.ok(!overlap(labels[i]!, node), `label ${i} covers a node`);
      }
      // The ends of the three edges into Flight sit at different heights.
      const ends = await card
        .locator('.dep-edge path')
        .evaluateAll((paths) => paths.map((p) => (p.getAttribute('d') ?? '').split(' ').pop()));
      assert.equal(new Set(ends).size, ends.length, `edges share an end: ${ends.join(' | ')}`);

      const text = (await card.locator('svg').textContent()) ?? '';
      assert.match(text, /18 calls · 50% err/);
      assert.match(text, /avg 375 ms · max 1\.00 s/);
      assert.doesNotMatch(text, /\d\.\d{3,}/, 'numbers are rounded');
      await screenshot(page, 'dependency-graph');

      // The sampling set through REST above, read-only for a viewer.
      const sampling = page.getByTestId('trace-sampling');
      await sampling.getByRole('cell', { name: FLIGHT }).waitFor();
      await sampling.getByRole('cell', { name: '5 %' }).waitFor();
      assert.equal(await sampling.getByRole('button', { name: 'Set sampling' }).count(), 0);

      await card.getByText('18 calls · 50% err').click();
      await page.getByTestId('waterfall').getByText('queryFlight').first().waitFor();
    });

    it('log storage - the Logs page shows the limits and the lines dropped to keep them', async () => {
      const page = await browser.newPage({ width: 1280, height: 1400 });
      // Signed in by the previous test (the browser keeps the session).
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs', exact: true }).click();
      const storage = page.getByTestId('log-storage');
      await storage.getByRole('cell', { name: 'Ingest stream' }).waitFor();
      assert.match((await storage.getByTestId('dropped-lines').textContent()) ?? '', /^[1-9]\d* \([1-9]\d* below WARN\)$/);
      await storage.getByText('1024 MiB · 24 hours').waitFor();
      await storage.scrollIntoViewIfNeeded();
      await screenshot(page, 'logs-storage');
    });
  });
});
