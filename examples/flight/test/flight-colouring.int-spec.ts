import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Component, LogSubjects, type LogLine, type LogPage, type LogQuery, type TraceView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { client, closeSharedRuntime } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, FLIGHT_SERVICE, USER_SERVICE, type FlightClient } from '../src/index.js';
import { FlightStack } from './helpers/flight-stack.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const query = (name: string, password: string) => ({ name, password, departureCity: 'sz', destinationCity: 'xz' });

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

describe('flight demo logs and call graph', () => {
  let stack: FlightStack;
  let flight: FlightClient;

  const search = async (filter: LogQuery): Promise<LogLine[]> =>
    (await natsRequest<LogPage>(stack.nc, LogSubjects.query, { limit: 1000, ...filter }, 10_000)).lines;

  before(async () => {
    stack = await FlightStack.start([Component.registry, Component.log]);
    await stack.createServices();
    await stack.deploy(USER_SERVICE, 1);
    await stack.deploy(FLIGHT_SERVICE, 1);
    Object.assign(process.env, { MSEC_ZK_CONNECT: stack.zk.url, MSEC_DATA_DIR: stack.dir });
    flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO, idempotent: ['queryFlight'] });
    // The first call may race the instances' announcement in ZooKeeper.
    await waitFor('the demo answering', () =>
      flight.queryFlight(query('bison', '123456')).then(
        (r) => r,
        () => undefined,
      ),
    );
  });

  after(async () => {
    closeSharedRuntime();
    await stack?.close();
  });

  it('flight e2e - a coloured query for bison gives DEBUG lines from Flight and User under one trace and a call graph of two spans', async () => {
    await natsRequest(stack.nc, LogSubjects.colourSet, { id: 'user-bison', field: 'name', value: 'bison' }, 10_000);
    // The rule reaches each module's SDK within seconds; until it has, bison's queries log at INFO only.
    const debugLine = await waitFor('a DEBUG line of a coloured bison query', async () => {
      assert.equal((await flight.queryFlight(query('bison', '123456'))).errcode, 0);
      const lines = await search({ service: FLIGHT_SERVICE, levels: ['DEBUG'], fields: [{ name: 'name', value: 'bison' }] });
      return lines[0];
    });
    const traceId = debugLine.traceId!;
    assert.ok(traceId, 'the line carries the trace id');
    const lines = await waitFor('both modules’ lines of the trace', async () => {
      const found = await search({ traceId });
      return new Set(found.filter((l) => l.level === 'DEBUG').map((l) => l.service)).size === 2 ? found : undefined;
    });
    assert.deepEqual([...new Set(lines.filter((l) => l.level === 'DEBUG').map((l) => l.service))].sort(), [FLIGHT_SERVICE, USER_SERVICE]);
    assert.ok(lines.some((l) => l.service === USER_SERVICE && l.message === 'password checked'));

    const trace = await waitFor('the two spans of the trace', () =>
      natsRequest<TraceView>(stack.nc, LogSubjects.trace, { traceId }, 10_000).then((v) => (v.spanCount === 2 ? v : undefined)),
    );
    assert.equal(trace.roots.length, 1);
    assert.equal(trace.roots[0]!.span.callee, FLIGHT_SERVICE);
    assert.equal(trace.roots[0]!.children.length, 1);
    assert.equal(trace.roots[0]!.children[0]!.span.caller, FLIGHT_SERVICE);
    assert.equal(trace.roots[0]!.children[0]!.span.callee, USER_SERVICE);
    assert.match(trace.mermaidFlow, /Flight\.mod_flight[\s\S]*User\.mod_user/);
  });

  it('flight e2e - an uncoloured query logs at INFO in both modules and no DEBUG line', async () => {
    assert.equal((await flight.queryFlight(query('ant', 'guess'))).errcode, -1);
    const lines = await waitFor('the lines of the query for ant', async () => {
      const found = await search({ fields: [{ name: 'name', value: 'ant' }] });
      return new Set(found.map((l) => l.service)).size === 2 ? found : undefined;
    });
    assert.equal(new Set(lines.map((l) => l.traceId)).size, 1, 'one trace across both modules');
    assert.deepEqual(
      lines.filter((l) => l.level === 'DEBUG'),
      [],
    );
    assert.deepEqual(lines.map((l) => `${l.service} ${l.level} ${l.message}`).sort(), [
      `${FLIGHT_SERVICE} INFO login failed`,
      `${USER_SERVICE} INFO password checked`,
    ]);
  });
});
