import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Component, MonitorSubjects, NatsRole, RegistrySubjects, type CallsReply, type CurveReply } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { client, closeSharedRuntime, closeTelemetry, monitor } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, FLIGHT_SERVICE, USER_SERVICE, type FlightClient } from '../src/index.js';
import { FlightStack, type ModuleInstance } from './helpers/flight-stack.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const minuteNow = (): number => new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
const sum = (values: (number | null)[] | undefined): number => (values ?? []).reduce<number>((n, v) => n + (v ?? 0), 0);

describe('flight demo monitoring', () => {
  let stack: FlightStack;
  let flightInstance: ModuleInstance;

  before(async () => {
    stack = await FlightStack.start([Component.registry, Component.monitor]);
    await stack.createServices();
    await stack.deploy(USER_SERVICE, 1);
    [flightInstance] = await stack.deploy(FLIGHT_SERVICE, 1, { MSEC_HOST_ID: 'flight-host-1' });
    // This test process is the caller Flight.web, as a business service would be under the agent.
    Object.assign(process.env, { ...(await stack.platformEnv(NatsRole.service, 'Flight.web')), MSEC_SERVICE: 'Flight.web' });
  });

  after(async () => {
    closeSharedRuntime();
    await closeTelemetry();
    await stack?.close();
  });

  it('monitoring - calls to the flight demo and its login_fail reports show up per minute within one flush interval', async () => {
    const flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    for (let i = 0; i < 100; i += 1) {
      let answered = false;
      for (let attempt = 0; attempt < 50 && !answered; attempt += 1) {
        answered = await flight
          .queryFlight({ name: 'bison', password: i % 4 === 0 ? 'wrong' : '123456', departureCity: 'sz', destinationCity: 'xz' })
          .then(
            () => true,
            () => sleep(100).then(() => false),
          );
      }
    }
    monitor.add('page_views', 7);
    await monitor.flush();
    const sentAt = Date.now();

    let calls: CallsReply | undefined;
    let loginFail: CurveReply | undefined;
    let hostLoginFail: CurveReply | undefined;
    // The flight process flushes every 5 s (the SDK default): the reports must be there within one interval and a bit.
    while (Date.now() - sentAt < 8_000) {
      calls = await natsRequest<CallsReply>(stack.nc, MonitorSubjects.calls, { caller: 'Flight.web' }, 3000);
      loginFail = await natsRequest<CurveReply>(stack.nc, MonitorSubjects.curve, { service: FLIGHT_SERVICE, attr: 'login_fail' }, 3000);
      hostLoginFail = await natsRequest<CurveReply>(
        stack.nc,
        MonitorSubjects.curve,
        { service: FLIGHT_SERVICE, attr: 'login_fail', host: 'flight-host-1' },
        3000,
      );
      const row = calls.rows.find((r) => r.callee === FLIGHT_SERVICE && r.method === 'queryFlight');
      if ((row?.requests ?? 0) - (row?.failures ?? 0) >= 100 && sum(loginFail.values) >= 25 && sum(hostLoginFail.values) >= 25) break;
      await sleep(250);
    }
    const row = calls?.rows.find((r) => r.callee === FLIGHT_SERVICE && r.method === 'queryFlight');
    // Calls made before the instance announced itself fail with NLB_NO_ROUTE and are retried above; they count as failures.
    assert.equal((row?.requests ?? 0) - (row?.failures ?? 0), 100, `caller table: ${JSON.stringify(calls?.rows)}`);
    assert.deepEqual(
      Object.keys(row?.failuresByCode ?? {}).filter((code) => code !== 'NLB_NO_ROUTE'),
      [],
    );
    assert.equal(sum(loginFail?.values), 25, 'login_fail for the service');
    assert.equal(sum(hostLoginFail?.values), 25, 'login_fail for the host');
    const minute = minuteNow();
    assert.ok((loginFail?.values[minute] ?? 0) + (loginFail?.values[minute - 1] ?? 0) === 25, 'the reports sit in the current minute');
    const views = await natsRequest<CurveReply>(stack.nc, MonitorSubjects.curve, { service: 'Flight.web', attr: 'page_views' }, 3000);
    assert.equal(sum(views.values), 7);
  });

  it("monitoring - a routing rule's hits are counted per minute under the caller: every request it sent to its tag", async () => {
    await natsRequest(
      stack.nc,
      RegistrySubjects.instanceTags,
      { service: FLIGHT_SERVICE, ip: '127.0.0.1', port: flightInstance.port, tags: ['v2'], by: 'test' },
      10_000,
    );
    await natsRequest(
      stack.nc,
      RegistrySubjects.routeSet,
      { service: FLIGHT_SERVICE, rule: { id: 'web-ant', tag: 'v2', field: 'name', values: ['ant'] }, by: 'test' },
      10_000,
    );
    // The caller follows Flight's traffic policy: the rule reaches it within about a second.
    await sleep(2000);
    const flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    for (let i = 0; i < 10; i += 1) await flight.queryFlight({ name: 'ant', password: 'x', departureCity: 'sz', destinationCity: 'xz' });
    await monitor.flush();
    const attr = `msec.route.hits|${FLIGHT_SERVICE}|web-ant`;
    let hits = 0;
    for (const sentAt = Date.now(); Date.now() - sentAt < 8_000 && hits < 10; await sleep(250)) {
      hits = sum((await natsRequest<CurveReply>(stack.nc, MonitorSubjects.curve, { service: 'Flight.web', attr }, 3000)).values);
    }
    assert.equal(hits, 10, 'every request the rule matched is counted once');
  });
});
