import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Component, MonitorSubjects, RegistrySubjects, Subjects, type CallsReply, type CurveReply, type HealthReport } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { freePort, startNats, startZooKeeper, TEMP_DIR_PREFIX, type InfraServer } from '@msec/testing';
import { client, closeSharedRuntime, closeTelemetry, monitor } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, FLIGHT_SERVICE, type FlightClient } from '../src/index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const minuteNow = (): number => new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
const sum = (values: (number | null)[] | undefined): number => (values ?? []).reduce<number>((n, v) => n + (v ?? 0), 0);

describe('flight demo monitoring', () => {
  let nats: InfraServer;
  let zk: InfraServer;
  let nc: NatsConnection;
  let dir: string;
  const children: ChildProcess[] = [];

  const node = (script: string, env: NodeJS.ProcessEnv): ChildProcess => {
    const child = spawn(process.execPath, [join(REPO, script)], { env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: 'ignore' });
    children.push(child);
    return child;
  };

  const healthy = async (component: Component): Promise<void> => {
    for (let i = 0; i < 100; i += 1) {
      const report = await natsRequest<HealthReport>(nc, Subjects.health(component), {}, 1000).catch(() => undefined);
      if (report?.ready) return;
      await sleep(200);
    }
    throw new Error(`${component} never became healthy`);
  };

  before(async () => {
    [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
    dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}flight-monitoring-`));
    nc = await connect({ servers: nats.url });
    const platform = { MSEC_NATS_URL: nats.url, MSEC_ZK_CONNECT: zk.url, MSEC_DATA_DIR: dir };
    node('services/registry/dist/src/main.js', platform);
    node('services/monitor/dist/src/main.js', platform);
    await Promise.all([healthy(Component.registry), healthy(Component.monitor)]);
    const port = await freePort();
    node('examples/flight/dist/src/main.js', { ...platform, MSEC_SERVICE: FLIGHT_SERVICE, MSEC_PORT: String(port), MSEC_HOST_ID: 'flight-host-1' });
    await natsRequest(nc, RegistrySubjects.serviceCreate, { name: FLIGHT_SERVICE }, 10_000);
    await natsRequest(nc, RegistrySubjects.scaleOut, { service: FLIGHT_SERVICE, instances: [`127.0.0.1:${port}`] }, 10_000);
    // This test process is the caller Flight.web, as a business service would be under the agent.
    Object.assign(process.env, { ...platform, MSEC_SERVICE: 'Flight.web' });
  });

  after(async () => {
    closeSharedRuntime();
    await closeTelemetry();
    for (const child of children) child.kill('SIGKILL');
    await nc?.close();
    await Promise.all([nats?.dispose(), zk?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('monitoring - calls to the flight demo and its login_fail reports show up per minute within one flush interval', async () => {
    const flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    for (let i = 0; i < 100; i += 1) {
      let answered = false;
      for (let attempt = 0; attempt < 50 && !answered; attempt += 1) {
        answered = await flight.queryFlight({ name: 'bison', password: i % 4 === 0 ? 'wrong' : '123456', departureCity: 'sz', destinationCity: 'xz' }).then(
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
      calls = await natsRequest<CallsReply>(nc, MonitorSubjects.calls, { caller: 'Flight.web' }, 3000);
      loginFail = await natsRequest<CurveReply>(nc, MonitorSubjects.curve, { service: FLIGHT_SERVICE, attr: 'login_fail' }, 3000);
      hostLoginFail = await natsRequest<CurveReply>(nc, MonitorSubjects.curve, { service: FLIGHT_SERVICE, attr: 'login_fail', host: 'flight-host-1' }, 3000);
      const row = calls.rows.find((r) => r.callee === FLIGHT_SERVICE && r.method === 'queryFlight');
      if ((row?.requests ?? 0) - (row?.failures ?? 0) >= 100 && sum(loginFail.values) >= 25 && sum(hostLoginFail.values) >= 25) break;
      await sleep(250);
    }
    const row = calls?.rows.find((r) => r.callee === FLIGHT_SERVICE && r.method === 'queryFlight');
    // Calls made before the instance announced itself fail with NLB_NO_ROUTE and are retried above; they count as failures.
    assert.equal((row?.requests ?? 0) - (row?.failures ?? 0), 100, `caller table: ${JSON.stringify(calls?.rows)}`);
    assert.deepEqual(Object.keys(row?.failuresByCode ?? {}).filter((code) => code !== 'NLB_NO_ROUTE'), []);
    assert.equal(sum(loginFail?.values), 25, 'login_fail for the service');
    assert.equal(sum(hostLoginFail?.values), 25, 'login_fail for the host');
    const minute = minuteNow();
    assert.ok((loginFail?.values[minute] ?? 0) + (loginFail?.values[minute - 1] ?? 0) === 25, 'the reports sit in the current minute');
    const views = await natsRequest<CurveReply>(nc, MonitorSubjects.curve, { service: 'Flight.web', attr: 'page_views' }, 3000);
    assert.equal(sum(views.values), 7);
  });
});
