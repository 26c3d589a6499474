import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import {
  Component,
  LogSubjects,
  MonitorSubjects,
  type LogLine,
  type LogPage,
  type LogQuery,
  type TotalsReply,
  type TraceView,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { client, closeSharedRuntime } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, FLIGHT_SERVICE, USER_SERVICE, type FlightClient } from '../src/index.js';
import { FlightStack, type ModuleInstance } from './helpers/flight-stack.js';
import { encodeFields, legacyCall } from './helpers/legacy-srpc.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const query = (name: string, password: string) => ({ name, password, departureCity: 'sz', destinationCity: 'xz' });
const QUERY_FLIGHT = `${FLIGHT_IDL_SERVICE}.queryFlight`;

/** Polls `check` until it gives a value; fails naming what never came. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`${what}: not seen within ${timeoutMs} ms`);
}

function httpJson(address: string, method: string, body: unknown): Promise<{ ret: number }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, method: 'POST', path: `/?methodName=${method}` }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ret: number }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('flight demo sampling, entry traces and callee statistics', () => {
  let stack: FlightStack;
  /** Samples no request (rate 0): only coloured, failed or slow calls leave spans. */
  let unsampled: ModuleInstance;
  /** Samples every request (rate 1). */
  let sampled: ModuleInstance;
  /** Samples no request, and keeps the span of any call of 400 ms or more. */
  let slowWatch: ModuleInstance;
  let user: ModuleInstance;

  const search = async (filter: LogQuery): Promise<LogLine[]> =>
    (await natsRequest<LogPage>(stack.nc, LogSubjects.query, { limit: 1000, ...filter }, 10_000)).lines;
  const trace = (traceId: string): Promise<TraceView | undefined> =>
    natsRequest<TraceView>(stack.nc, LogSubjects.trace, { traceId }, 10_000).catch(() => undefined);
  /** The trace id of the lines logged for one (unique) user name, once both modules' lines are in. */
  const traceOfName = (name: string): Promise<string> =>
    waitFor(`both modules' lines for ${name}`, async () => {
      const lines = await search({ fields: [{ name: 'name', value: name }] });
      return new Set(lines.map((l) => l.service)).size === 2 ? lines[0]!.traceId : undefined;
    });

  before(async () => {
    stack = await FlightStack.start([Component.registry, Component.log, Component.monitor]);
    await stack.createServices();
    [user] = await stack.deploy(USER_SERVICE, 1, { MSEC_TRACE_SAMPLE_RATE: '0' });
    [unsampled] = await stack.deploy(FLIGHT_SERVICE, 1, { MSEC_TRACE_SAMPLE_RATE: '0' });
    // Called only by address: the registry never routes to it.
    sampled = await stack.startModule(FLIGHT_SERVICE, undefined, { MSEC_TRACE_SAMPLE_RATE: '1' });
    slowWatch = await stack.startModule(FLIGHT_SERVICE, undefined, { MSEC_TRACE_SAMPLE_RATE: '0', MSEC_TRACE_SLOW_MS: '400' });
    Object.assign(process.env, { MSEC_ZK_CONNECT: stack.zk.url, MSEC_DATA_DIR: stack.dir });
    // Both Flight instances find User through ZooKeeper: wait until they answer.
    for (const instance of [unsampled!, sampled, slowWatch]) {
      const flight = await client<FlightClient>(instance.address, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
      await waitFor(`${instance.address} answering`, () =>
        flight.queryFlight(query('warmup', 'x')).then(
          (r) => r,
          () => undefined,
        ),
      );
    }
  });

  after(async () => {
    closeSharedRuntime();
    await stack?.close();
  });

  it('sampling - at rate 0 a successful call stores no span, though its lines carry the trace id', async () => {
    const flight = await client<FlightClient>(unsampled.address, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    assert.equal((await flight.queryFlight(query('rate0-ant', 'guess'))).errcode, -1);
    const traceId = await traceOfName('rate0-ant');
    // Spans leave with the lines (same batching); give them a few flushes more.
    await sleep(1500);
    assert.equal(await trace(traceId), undefined, 'no span of an unsampled successful request is stored');
  });

  it('sampling - at rate 0 a failing call still stores its span, with its error code', async () => {
    const reply = await legacyCall(
      unsampled.address,
      { sequence: 5, flowId: 880001, methodName: `${FLIGHT_IDL_SERVICE}.noSuchMethod` },
      Buffer.alloc(0),
    );
    assert.notEqual(reply.head.get(40) ?? 0, 0, 'the call failed');
    const view = await waitFor('the span of the failed call', () => trace('880001'));
    assert.equal(view.spanCount, 1);
    assert.equal(view.roots[0]!.span.status, 'error');
    assert.equal(view.roots[0]!.span.errorCode, 'RPC_METHOD_NOT_FOUND');
  });

  it('sampling - at rate 0 a call slower than MSEC_TRACE_SLOW_MS still stores its span; a quick one does not', async () => {
    const flight = await client<FlightClient>(slowWatch.address, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    assert.equal((await flight.queryFlight(query('slow-quick-bee', 'guess'))).errcode, -1);
    const quickTrace = await traceOfName('slow-quick-bee');
    // User stalls for 750 ms (under Flight's 1 s deadline for it): Flight's call takes longer than its 400 ms threshold.
    user.child.kill('SIGSTOP');
    const resumed = sleep(750).then(() => user.child.kill('SIGCONT'));
    const pending = flight.queryFlight(query('slow-stalled-cat', 'guess'));
    await resumed;
    assert.equal((await pending).errcode, -1, 'the slow call itself succeeded');
    const slowTrace = await traceOfName('slow-stalled-cat');
    const view = await waitFor('the span of the slow call', () => trace(slowTrace));
    const span = view.roots[0]!.span;
    assert.equal(span.callee, FLIGHT_SERVICE);
    assert.equal(span.status, 'ok');
    assert.ok(span.duration >= 400, `the stored span took ${span.duration} ms`);
    await sleep(1500);
    assert.equal(await trace(quickTrace), undefined, 'the quick call on the same instance stored no span');
  });

  it('sampling - a coloured request is traced across Flight and User even at rate 0', async () => {
    await natsRequest(stack.nc, LogSubjects.colourSet, { id: 'sampling-bison', field: 'name', value: 'rate0-bison' }, 10_000);
    const flight = await client<FlightClient>(unsampled.address, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    const debugLine = await waitFor('a DEBUG line of the coloured request', async () => {
      await flight.queryFlight(query('rate0-bison', '123456'));
      return (await search({ service: FLIGHT_SERVICE, levels: ['DEBUG'], fields: [{ name: 'name', value: 'rate0-bison' }] }))[0];
    });
    const view = await waitFor('both spans of the coloured trace', async () => {
      const v = await trace(debugLine.traceId!);
      return v?.spanCount === 2 ? v : undefined;
    });
    assert.equal(view.roots[0]!.span.callee, FLIGHT_SERVICE);
    assert.equal(view.roots[0]!.children[0]!.span.callee, USER_SERVICE);
    await natsRequest(stack.nc, LogSubjects.colourDelete, { id: 'sampling-bison' }, 10_000);
  });

  it('sampling - at rate 1 every call is traced whole, Flight and User', async () => {
    const flight = await client<FlightClient>(sampled.address, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    const names = ['rate1-a', 'rate1-b', 'rate1-c'];
    for (const name of names) await flight.queryFlight(query(name, 'guess'));
    for (const name of names) {
      const traceId = await traceOfName(name);
      const view = await waitFor(`both spans of ${name}`, async () => {
        const v = await trace(traceId);
        return v?.spanCount === 2 ? v : undefined;
      });
      assert.deepEqual([view.roots[0]!.span.callee, view.roots[0]!.children[0]!.span.callee], [FLIGHT_SERVICE, USER_SERVICE]);
    }
  });

  it('entry trace - a legacy SRPC frame with flow_id is traced under it in both modules and its reply echoes sequence and flow_id', async () => {
    const body = encodeFields([
      [1, 'legacy-ant'],
      [2, 'guess'],
      [3, 'sz'],
      [4, 'xz'],
    ]);
    const reply = await legacyCall(unsampled.address, { sequence: 31337, flowId: 777, methodName: QUERY_FLIGHT }, body);
    assert.equal(reply.head.get(10), 31337);
    assert.equal(reply.head.get(30), 777);
    assert.equal(reply.head.get(40) ?? 0, 0);
    assert.equal(String(reply.body.get(2)), 'invalid user', 'the reply body is the answer to the query');
    const lines = await waitFor('the lines of the legacy request', async () => {
      const found = await search({ traceId: '777' });
      return new Set(found.map((l) => l.service)).size === 2 ? found : undefined;
    });
    assert.deepEqual(lines.map((l) => `${l.service} ${l.message}`).sort(), [
      `${FLIGHT_SERVICE} login failed`,
      `${USER_SERVICE} password checked`,
    ]);
  });

  it('entry trace - a call over HTTP+JSON gets a trace id at Flight that its lines and User carry', async () => {
    const reply = await httpJson(unsampled.address, QUERY_FLIGHT, query('http-ant', 'guess'));
    assert.equal(reply.ret, 0);
    const traceId = await traceOfName('http-ant');
    assert.match(traceId, /^[0-9a-f]{12}[0-9a-z]+$/);
  });

  it('callee statistics - calls from a raw SRPC client and from HTTP+JSON are counted by Flight under unknown@ip', async () => {
    const body = encodeFields([
      [1, 'stats-ant'],
      [2, 'guess'],
      [3, 'sz'],
      [4, 'xz'],
    ]);
    await legacyCall(sampled.address, { sequence: 1, methodName: QUERY_FLIGHT }, body);
    await legacyCall(sampled.address, { sequence: 2, methodName: QUERY_FLIGHT }, body);
    await httpJson(sampled.address, QUERY_FLIGHT, query('stats-ant', 'guess'));
    const attr = `rpcin|unknown@127.0.0.1|${FLIGHT_SERVICE}|queryFlight|requests`;
    // Each process sends its statistics every 5 s; the monitor has them a moment later.
    const totals = await waitFor(
      'callee-side statistics of Flight',
      async () => {
        const reply = await natsRequest<TotalsReply>(stack.nc, MonitorSubjects.totals, { service: FLIGHT_SERVICE }, 5000);
        const row = reply.totals.find((t) => t.attr === attr);
        return row !== undefined && row.value >= 3 ? reply : undefined;
      },
      30_000,
    );
    assert.ok(totals.totals.find((t) => t.attr === attr)!.value >= 3);
    // User reports on its own 5 s cycle, independent of Flight's: wait for its report as well.
    await waitFor(
      'User counts the calls Flight made to it under Flight’s name',
      async () => {
        const user = await natsRequest<TotalsReply>(stack.nc, MonitorSubjects.totals, { service: USER_SERVICE }, 5000);
        return user.totals.some((t) => t.attr === `rpcin|${FLIGHT_SERVICE}|${USER_SERVICE}|checkPassword|requests` && t.value > 0)
          ? user
          : undefined;
      },
      20_000,
    );
  });
});
