import { NatsRole } from '@msec/contracts';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type NatsConnection } from '@nats-io/transport-node';
import type { LogLine, SpanRecord } from '@msec/contracts';
import { createLogger, createSpanReporter, newSpanId, newTraceId, type MsecLogger, type SpanReporter } from '@msec/sdk';
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

const messages = (items: LogLine[]): string[] => items.map((l) => l.message);

describe('gateway logs and call graph', () => {
  let gw: TestGateway;
  let logService: ServiceProcess;
  let nc: NatsConnection;
  let flight: MsecLogger;
  let user: MsecLogger;
  let spans: SpanReporter;
  let admin: ApiClient;
  let dev: ApiClient;
  let viewer: ApiClient;
  const traceId = newTraceId();
  const t0 = Date.now() - 60_000;

  before(async () => {
    buildConsole();
    gw = await startTestGateway();
    logService = await startServiceProcess('log', { ...(await gw.nats.envFor(NatsRole.log)), MSEC_LOG_INGEST_FLUSH_MS: '20' });
    nc = await gw.nats.connect({ maxReconnectAttempts: -1 });
    admin = await adminClient(gw);
    dev = await userClient(gw, admin, 'dora', 'developer');
    viewer = await userClient(gw, admin, 'vic', 'viewer');
    await eventually('the log service answers through the gateway', async () => {
      const r = await viewer.call('GET', '/api/v1/colour-rules');
      if (r.status !== 200) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      return true;
    });
    flight = createLogger({ nc, service: 'Flight.mod_flight', host: '10.0.0.1', level: 'DEBUG', spoolDir: logService.dataDir });
    user = createLogger({ nc, service: 'User.mod_user', host: '10.0.0.2', level: 'DEBUG', spoolDir: logService.dataDir });
    spans = createSpanReporter({ nc, service: 'Flight.mod_flight', spoolDir: logService.dataDir });

    const req = flight.forRequest({ traceId, fields: { name: 'bison' } });
    req.info('query received', { from: 'SZX', to: 'PEK' });
    req.debug('cache miss for SZX-PEK');
    user.forRequest({ traceId, fields: { name: 'bison' } }).warn('password about to expire', { days: 3 });
    flight.error('upstream timeout talking to the fare engine', { code: 'RPC_TIMEOUT' });
    for (let i = 0; i < 5; i++) flight.info(`heartbeat ${i}`, { seq: i });
    const root: SpanRecord = {
      traceId,
      spanId: newSpanId(),
      caller: 'client',
      callee: 'Flight.mod_flight',
      method: 'Flight.Query',
      start: t0,
      duration: 30,
      status: 'ok',
    };
    spans.report(root);
    spans.report({
      ...root,
      spanId: newSpanId(),
      parentSpanId: root.spanId,
      caller: 'Flight.mod_flight',
      callee: 'User.mod_user',
      method: 'User.CheckPassword',
      start: t0 + 5,
      duration: 12.5,
      status: 'error',
      errorCode: 'USER_LOCKED',
    });
    await Promise.all([flight.flush(), user.flush(), spans.flush()]);
    await eventually('every line is stored', async () => {
      const r = await viewer.call('GET', '/api/v1/logs?limit=200');
      return r.status === 200 && r.body.items.length >= 9 ? true : undefined;
    });
  });

  after(async () => {
    await flight?.close();
    await user?.close();
    await spans?.close();
    await nc?.close();
    await logService?.stop();
    await gw?.close();
  });

  it('logs - lines sent with the SDK logger are found through REST with every kind of filter, newest first, paged by cursor', async () => {
    const get = async (q: string): Promise<LogLine[]> => {
      const r = await viewer.call('GET', `/api/v1/logs?${q}`);
      assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
      return r.body.items as LogLine[];
    };
    assert.deepEqual(messages(await get('service=User.mod_user')), ['password about to expire']);
    assert.deepEqual(messages(await get('host=10.0.0.2')), ['password about to expire']);
    assert.deepEqual(messages(await get('level=ERROR,warn')).sort(), [
      'password about to expire',
      'upstream timeout talking to the fare engine',
    ]);
    assert.deepEqual(messages(await get('minLevel=ERROR')), ['upstream timeout talking to the fare engine']);
    assert.deepEqual(messages(await get(`traceId=${traceId}&level=DEBUG`)), ['cache miss for SZX-PEK']);
    assert.deepEqual(messages(await get('field=name=bison&field=from=SZX')), ['query received']);
    assert.deepEqual(messages(await get('text=FARE')), ['upstream timeout talking to the fare engine']);
    assert.equal((await get(`to=${new Date(t0).toISOString()}`)).length, 0);
    assert.equal((await get(`from=${t0}&service=Flight.mod_flight`)).length, 8);

    const instance = (await get('service=User.mod_user'))[0]!.instance;
    assert.deepEqual(messages(await get(`instance=${encodeURIComponent(instance)}`)), ['password about to expire']);

    // Newest first, two at a time, following nextCursor to the end.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await viewer.call('GET', `/api/v1/logs?text=heartbeat&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      seen.push(...messages(r.body.items));
      cursor = r.body.nextCursor;
      pages += 1;
    } while (cursor);
    assert.deepEqual(seen, ['heartbeat 4', 'heartbeat 3', 'heartbeat 2', 'heartbeat 1', 'heartbeat 0']);
    assert.equal(pages, 3);
  });

  it('logs - a bad filter answers 400 naming the field and how to fix it', async () => {
    const cases: [string, string][] = [
      ['level=LOUD', 'query.level'],
      ['minLevel=NOISY', 'query.minLevel'],
      ['from=yesterday', 'query.from'],
      [`from=${t0}&to=${t0 - 1}`, 'query.to'],
      ['field=novalue', 'query.field'],
      ['limit=0', 'query.limit'],
      ['traceId=has%20space', 'query.traceId'],
      ['colour=red', 'query.colour'],
    ];
    for (const [q, field] of cases) {
      const r = await viewer.call('GET', `/api/v1/logs?${q}`);
      assert.equal(r.status, 400, `${q}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED');
      assert.equal(r.body.error.field, field, `${q}: ${JSON.stringify(r.body)}`);
    }
    const cursor = await viewer.call('GET', '/api/v1/logs?cursor=not-ours');
    assert.equal(cursor.status, 400);
    assert.equal(cursor.body.error.code, 'GATEWAY_BAD_CURSOR');
  });

  it('logs - the live tail streams new matching lines as server-sent events', async () => {
    const res = await fetch(`${gw.baseUrl}/api/v1/logs/tail?service=User.mod_user&minLevel=INFO`, {
      headers: { authorization: `Bearer ${(await viewer.call('POST', '/api/v1/tokens', { name: 'tail' })).body.token}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    // The subscription is made when the stream opens; log until a line comes through.
    const timer = setInterval(() => {
      user.debug('tail: below the level');
      flight.info('tail: other service');
      user.info('tail: wanted');
      void user.flush();
      void flight.flush();
    }, 300);
    try {
      let text = '';
      const decoder = new TextDecoder();
      const event = await eventually('a tail event', async () => {
        const { value } = await reader.read();
        text += decoder.decode(value);
        const m = /event: lines\n(?:id: \d+\n)?data: (.*)\n/.exec(text);
        return m ? (JSON.parse(m[1]!) as LogLine[]) : undefined;
      });
      assert.ok(event.length > 0);
      assert.deepEqual([...new Set(messages(event))], ['tail: wanted']);
    } finally {
      clearInterval(timer);
      await reader.cancel();
    }
  });

  it('traces - a trace of two spans comes through REST with its waterfall, tree and Mermaid; the range gives the dependency graph', async () => {
    const r = await eventually('both spans', async () => {
      const t = await viewer.call('GET', `/api/v1/traces/${traceId}`);
      return t.status === 200 && t.body.spanCount === 2 ? t : undefined;
    });
    assert.equal(r.body.duration, 30);
    assert.deepEqual(
      r.body.waterfall.map((w: { label: string; offset: number; duration: number; status: string; depth: number }) => [
        w.label,
        w.offset,
        w.duration,
        w.status,
        w.depth,
      ]),
      [
        ['client → Flight.mod_flight Flight.Query', 0, 30, 'ok', 0],
        ['Flight.mod_flight → User.mod_user User.CheckPassword', 5, 12.5, 'error', 1],
      ],
    );
    assert.equal(r.body.roots[0].children[0].span.callee, 'User.mod_user');
    assert.match(r.body.mermaidFlow, /^flowchart LR/);
    assert.match(r.body.mermaidWaterfall, /^gantt/);

    const missing = await viewer.call('GET', '/api/v1/traces/no-such-trace');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'LOG_TRACE_NOT_FOUND');
    assert.equal((await viewer.call('GET', '/api/v1/traces/bad%20id')).body.error.field, 'path.traceId');

    const deps = await viewer.call('GET', `/api/v1/dependencies?from=${new Date(t0 - 1000).toISOString()}&to=${t0 + 60_000}`);
    assert.equal(deps.status, 200, JSON.stringify(deps.body));
    const edge = deps.body.edges.find((e: { callee: string }) => e.callee === 'User.mod_user');
    assert.deepEqual(
      [edge.caller, edge.calls, edge.errors, edge.errorRate, edge.exampleTraceIds],
      ['Flight.mod_flight', 1, 1, 1, [traceId]],
    );
    assert.match(deps.body.mermaid, /flowchart/);
    assert.equal((await viewer.call('GET', `/api/v1/dependencies?from=${t0}&to=${t0 - 5}`)).body.error.field, 'query.to');
  });

  it('colour rules - developers create and delete, viewers only read (403), bad ids answer 400', async () => {
    const created = await dev.call('POST', '/api/v1/colour-rules', { id: 'user-bison', field: 'name', value: 'bison' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body, { id: 'user-bison', field: 'name', value: 'bison' });
    const refused = await viewer.call('POST', '/api/v1/colour-rules', { id: 'user-ant', field: 'name', value: 'ant' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'GATEWAY_FORBIDDEN');
    assert.equal((await viewer.call('DELETE', '/api/v1/colour-rules/user-bison')).status, 403);
    const bad = await dev.call('POST', '/api/v1/colour-rules', { id: 'bad id', field: 'name', value: 'x' });
    assert.equal(bad.body.error.field, 'body.id', JSON.stringify(bad.body));
    assert.deepEqual((await viewer.call('GET', '/api/v1/colour-rules')).body.items, [{ id: 'user-bison', field: 'name', value: 'bison' }]);
    // The rule reaches the SDK loggers.
    await eventually('the rule reaches the SDK', async () => (flight.colourRules.rules.length === 1 ? true : undefined), 5000);
    assert.deepEqual((await dev.call('DELETE', '/api/v1/colour-rules/user-bison')).body, { id: 'user-bison', deleted: true });
    const gone = await dev.call('DELETE', '/api/v1/colour-rules/user-bison');
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'LOG_COLOUR_RULE_NOT_FOUND');
  });

  describe('console', () => {
    let browser: TestBrowser;
    before(async () => {
      browser = await launchBrowser({ baseURL: gw.baseUrl });
    });
    after(async () => {
      await browser?.close();
    });

    it('logs - the Logs page shows a searched line with its fields, and the Call graph page a waterfall for a trace id', async () => {
      const page = await browser.newPage({ width: 1280, height: 1000 });
      await signIn(page, 'dora', 'dora-password-2');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor();

      const form = page.getByTestId('log-search');
      await form.getByLabel('Service').fill('Flight.mod_flight');
      await form.getByLabel('Text contains').fill('fare engine');
      await form.getByRole('button', { name: 'Search' }).click();
      const results = page.getByTestId('log-results');
      // The page opens on the newest lines, which include this one: wait for the filtered page to replace them.
      const rows = results.locator('tbody tr.log-row');
      await eventually('the filtered search result', async () => ((await rows.count()) === 1 ? true : undefined), 15_000).catch(
        () => undefined,
      );
      assert.equal(await rows.count(), 1);
      await results.getByText('upstream timeout talking to the fare engine').waitFor();
      await results.getByText('upstream timeout talking to the fare engine').click();
      await results.getByText('RPC_TIMEOUT').waitFor();

      // Live tail: a new matching line appears on top without searching again; others do not.
      await form.getByLabel('Live tail').check();
      await form.locator('.dot.ok').waitFor();
      flight.info('heartbeat while tailing');
      flight.warn('live: fare engine slow again');
      await flight.flush();
      await results.locator('tbody tr.log-row').first().getByText('live: fare engine slow again').waitFor();
      assert.equal(await results.getByText('heartbeat while tailing').count(), 0);
      await form.getByLabel('Live tail').uncheck();

      // A rule from the editor.
      await page.getByTestId('colour-rules').getByLabel('Rule id').fill('user-ant');
      await page.getByTestId('colour-rules').getByLabel('Field', { exact: true }).fill('name');
      await page.getByTestId('colour-rules').getByLabel('Value').fill('ant');
      await page.getByTestId('colour-rules').getByRole('button', { name: 'Add rule' }).click();
      await page.getByTestId('colour-rules').getByRole('cell', { name: 'user-ant' }).waitFor();
      await screenshot(page, 'logs');

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Call graph', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Call graph' }).waitFor();
      await page.getByLabel('Trace id').fill(traceId);
      await page.getByRole('button', { name: 'Show trace' }).click();
      const waterfall = page.getByTestId('waterfall');
      await waterfall.getByText('User.CheckPassword').first().waitFor();
      assert.equal(await waterfall.locator('.wf-bar').count(), 2);
      await page.getByTestId('dependency-graph').locator('svg').waitFor();
      await screenshot(page, 'call-graph');
      await page.close();
    });
  });
});
