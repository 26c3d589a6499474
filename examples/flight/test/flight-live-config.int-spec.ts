import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Component, DeploySubjects, LogSubjects, type LogPage } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { client, closeSharedRuntime } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, FLIGHT_SERVICE, USER_SERVICE, type FlightClient } from '../src/index.js';
import { FlightStack, type ModuleInstance } from './helpers/flight-stack.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BISON = { name: 'bison', password: '123456', departureCity: 'sz', destinationCity: 'xz' };

/** Polls `check` until it gives a value; fails naming what never came. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await sleep(100);
  }
  throw new Error(`${what}: not seen within ${timeoutMs} ms`);
}

describe('flight demo live configuration', () => {
  let stack: FlightStack;
  let flight: ModuleInstance;
  let flights: FlightClient;

  const addConfig = (tag: string, content: string): Promise<unknown> =>
    natsRequest(stack.nc, DeploySubjects.configAdd, { service: FLIGHT_SERVICE, tag, content }, 15_000);
  const publish = (tag: string): Promise<{ tag: string; publishedBy: string }> =>
    natsRequest(stack.nc, DeploySubjects.configPublish, { service: FLIGHT_SERVICE, tag, by: 'alice' }, 15_000);
  const fareOf = async (): Promise<string> => (await flights.queryFlight(BISON)).flightsInfo;

  before(async () => {
    stack = await FlightStack.start([Component.registry, Component.deploy, Component.log]);
    await stack.createServices();
    await stack.deploy(USER_SERVICE, 1);
    [flight] = await stack.deploy(FLIGHT_SERVICE, 1);
    // This test process is a plain caller: routes from ZooKeeper, no telemetry.
    Object.assign(process.env, { MSEC_ZK_CONNECT: stack.zk.url, MSEC_DATA_DIR: stack.dir });
    flights = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    await waitFor('Flight answering by name', () => fareOf().catch(() => undefined));
  });

  after(async () => {
    closeSharedRuntime();
    delete process.env.MSEC_ZK_CONNECT;
    delete process.env.MSEC_DATA_DIR;
    await stack?.close();
  });

  it('live config - a published version reaches the running Flight instance within seconds, which logs the new value', async () => {
    assert.equal(await fareOf(), '{春秋航空;c8835;RMB1230}', 'no config published yet: the built-in fare');
    await addConfig('c1', '# fares\nfare = RMB999\n');
    // Adding a version does not change what running instances read; publishing it does.
    await sleep(500);
    assert.equal(await fareOf(), '{春秋航空;c8835;RMB1230}');
    const published = await publish('c1');
    assert.equal(published.publishedBy, 'alice');
    const started = Date.now();
    await waitFor('the new fare in answers', async () => ((await fareOf()).includes('RMB999') ? true : undefined), 5000);
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 5000, `took ${tookMs} ms`);
    assert.equal(flight.child.exitCode, null, 'the same process answers: no restart');
    const line = await waitFor('the config change line from Flight', async () => {
      const page = await natsRequest<LogPage>(stack.nc, LogSubjects.query, { limit: 20, text: 'config changed' }, 10_000);
      return page.lines.find((l) => l.service === FLIGHT_SERVICE && l.fields?.value === 'RMB999');
    });
    assert.equal(line.fields?.previous ?? null, null, 'no fare was configured before');
    const versions = await natsRequest<{ tag: string; live: boolean }[]>(
      stack.nc,
      DeploySubjects.configList,
      { service: FLIGHT_SERVICE },
      10_000,
    );
    assert.deepEqual(
      versions.map((v) => [v.tag, v.live]),
      [['c1', true]],
    );
  });

  it('live config - publishing an older version switches back, and an unknown version is refused with nothing changed', async () => {
    await addConfig('c2', '{"fare": "RMB777"}');
    await publish('c2');
    await waitFor('fare c2', async () => ((await fareOf()).includes('RMB777') ? true : undefined), 5000);
    await publish('c1');
    await waitFor('fare c1 again', async () => ((await fareOf()).includes('RMB999') ? true : undefined), 5000);
    await assert.rejects(publish('nope'), /config version Flight\.mod_flight@nope does not exist/);
    await sleep(300);
    assert.ok((await fareOf()).includes('RMB999'));
  });

  it('live config - a restarted instance that cannot reach NATS starts with the last version it received, kept on disk', async () => {
    assert.ok(existsSync(join(stack.dir, 'config', `${FLIGHT_SERVICE}.json`)), 'the live version is kept on disk');
    const offline = await stack.startModule(FLIGHT_SERVICE, undefined, { MSEC_NATS_URL: 'nats://127.0.0.1:1' });
    const direct = await client<FlightClient>(offline.address, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    assert.equal((await direct.queryFlight(BISON)).flightsInfo, '{春秋航空;c8835;RMB999}');
    offline.child.kill('SIGKILL');
  });
});
