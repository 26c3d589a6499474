import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { client, closeSharedRuntime, onClientCall, sharedRuntime } from '@msec/sdk';
import { Component } from '@msec/contracts';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, FLIGHT_SERVICE, USER_SERVICE, type FlightClient } from '../src/index.js';
import { FlightStack, type ModuleInstance } from './helpers/flight-stack.js';

const BISON = { name: 'bison', password: '123456', departureCity: 'sz', destinationCity: 'xz' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('flight demo', () => {
  let stack: FlightStack;
  const flights = new Map<number, ModuleInstance>();
  const ports: number[] = [];
  const okByPeer = new Map<string, number>();

  const startFlight = async (port?: number): Promise<number> => {
    const instance = await stack.startModule(FLIGHT_SERVICE, port);
    flights.set(instance.port, instance);
    return instance.port;
  };

  before(async () => {
    stack = await FlightStack.start([Component.registry]);
    await stack.createServices();
    // Flight.mod_flight asks User.mod_user to check each password, by name, as the reference's comment says.
    await stack.deploy(USER_SERVICE, 2);
    for (let i = 0; i < 3; i += 1) ports.push(await startFlight());
    await stack.scaleOut(
      FLIGHT_SERVICE,
      ports.map((p) => `127.0.0.1:${p}`),
    );
    // This test process is a plain caller: routes from ZooKeeper, no telemetry.
    Object.assign(process.env, { MSEC_ZK_CONNECT: stack.zk.url, MSEC_DATA_DIR: stack.dir });
    onClientCall((event) => {
      if (event.ok) okByPeer.set(event.peer, (okByPeer.get(event.peer) ?? 0) + 1);
    });
  });

  after(async () => {
    closeSharedRuntime();
    await stack?.close();
  });

  it('flight - queryFlight by service name gives bison the flight and anyone else errcode -1', async () => {
    const flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    assert.deepEqual({ ...(await flight.queryFlight(BISON)) }, { errcode: 0, errmsg: 'success', flightsInfo: '{春秋航空;c8835;RMB1230}' });
    assert.deepEqual(
      { ...(await flight.queryFlight({ ...BISON, password: 'wrong' })) },
      { errcode: -1, errmsg: 'invalid user', flightsInfo: '' },
    );
  });

  it('flight - a direct address works like the reference CRpcUdpChannel, and HTTP+JSON is served on the same port', async () => {
    const direct = await client<FlightClient>(`127.0.0.1:${ports[0]}`, FLIGHT_IDL_SERVICE);
    assert.equal((await direct.queryFlight(BISON)).errcode, 0);
    const body = await new Promise<string>((done, fail) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: ports[1],
          method: 'POST',
          path: '/?methodName=flight.flight_service.queryFlight',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => done(text));
        },
      );
      req.on('error', fail);
      req.end(JSON.stringify(BISON));
    });
    // MSEC's reply, plus the trace the request got at Flight.
    const { traceId, ...reply } = JSON.parse(body) as { traceId?: string };
    assert.deepEqual(reply, {
      ret: 0,
      errmsg: '',
      resultObj: { errcode: 0, errmsg: 'success', flightsInfo: '{春秋航空;c8835;RMB1230}' },
    });
    assert.match(traceId ?? '', /^[0-9a-f]{12}[0-9a-z]+$/);
  });

  it('flight - calls spread over all three instances, and a scale-in reaches the caller within 1 s', async () => {
    const flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE);
    okByPeer.clear();
    for (let i = 0; i < 90; i += 1) await flight.queryFlight(BISON);
    // Weights follow each caller's own latency record, so on a loaded machine the split is uneven; every instance still serves.
    for (const port of ports)
      assert.ok((okByPeer.get(`127.0.0.1:${port}`) ?? 0) >= 5, `instance ${port} got ${okByPeer.get(`127.0.0.1:${port}`)} of 90 calls`);

    const gone = `127.0.0.1:${ports[2]}`;
    await stack.scaleIn(FLIGHT_SERVICE, [gone]);
    await sleep(1000);
    okByPeer.clear();
    for (let i = 0; i < 60; i += 1) await flight.queryFlight(BISON);
    assert.equal(okByPeer.get(gone) ?? 0, 0, 'the scaled-in instance still got calls after 1 s');
    await stack.scaleOut(FLIGHT_SERVICE, [gone]);
  });

  it('flight - SIGKILL of one instance under load: under 1 % failures, none for an idempotent method, traffic returns after restart', async () => {
    const plain = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE);
    const retrying = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { idempotent: ['queryFlight'] });
    await sleep(1000);
    const victim = ports[0]!;
    const results = { plain: { ok: 0, failed: 0 }, retrying: { ok: 0, failed: 0 } };
    let killedAt = 0;
    const loop = async (kind: 'plain' | 'retrying', flight: FlightClient, until: number): Promise<void> => {
      while (Date.now() < until) {
        const counted = killedAt > 0;
        try {
          await flight.queryFlight(BISON, { timeoutMs: 1000 });
          if (counted) results[kind].ok += 1;
        } catch {
          if (counted) results[kind].failed += 1;
        }
      }
    };
    const end = Date.now() + 6_500;
    const workers = [...Array(8)].flatMap(() => [loop('plain', plain, end), loop('retrying', retrying, end)]);
    await sleep(1_000);
    flights.get(victim)!.child.kill('SIGKILL');
    killedAt = Date.now();
    await Promise.all(workers);
    const plainTotal = results.plain.ok + results.plain.failed;
    assert.ok(plainTotal > 200, `too few calls to judge: ${plainTotal}`);
    assert.ok(results.plain.failed / plainTotal < 0.01, `non-idempotent failures ${results.plain.failed} of ${plainTotal}`);
    assert.equal(results.retrying.failed, 0, `idempotent calls failed: ${results.retrying.failed}`);

    await startFlight(victim);
    okByPeer.clear();
    // An instance that failed is ejected with doubling back-off (at most 30 s) before it is probed again.
    const backBy = Date.now() + 40_000;
    while ((okByPeer.get(`127.0.0.1:${victim}`) ?? 0) < 5 && Date.now() < backBy) {
      await plain.queryFlight(BISON).catch(() => undefined);
      await sleep(20);
    }
    assert.ok(
      (okByPeer.get(`127.0.0.1:${victim}`) ?? 0) >= 5,
      `traffic did not return to the restarted instance; weights: ${JSON.stringify(sharedRuntime().nlb?.weights(FLIGHT_SERVICE))}`,
    );
  });

  it('flight - with ZooKeeper stopped calls keep succeeding, and routes re-sync after it returns', async () => {
    const flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { idempotent: ['queryFlight'] });
    await stack.zk.stop();
    let failed = 0;
    for (let i = 0; i < 200; i += 1) await flight.queryFlight(BISON).catch(() => (failed += 1));
    assert.equal(failed, 0, 'calls failed while ZooKeeper was down');
    await stack.zk.start();
    const extra = await startFlight();
    await stack.scaleOut(FLIGHT_SERVICE, [`127.0.0.1:${extra}`]).catch(() => undefined);
    okByPeer.clear();
    const by = Date.now() + 30_000;
    while ((okByPeer.get(`127.0.0.1:${extra}`) ?? 0) === 0 && Date.now() < by) {
      await flight.queryFlight(BISON).catch(() => undefined);
      await sleep(50);
    }
    assert.ok((okByPeer.get(`127.0.0.1:${extra}`) ?? 0) > 0, 'an instance added after ZooKeeper came back never got traffic');
  });
});
