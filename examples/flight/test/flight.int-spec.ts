import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { RegistrySubjects, Subjects, Component, type HealthReport } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { freePort, startNats, startZooKeeper, TEMP_DIR_PREFIX, type InfraServer } from '@msec/testing';
import { client, closeSharedRuntime, onClientCall, sharedRuntime } from '@msec/sdk';
import { FLIGHT_IDL_SERVICE, FLIGHT_PROTO, FLIGHT_SERVICE, type FlightClient } from '../src/index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const BISON = { name: 'bison', password: '123456', departureCity: 'sz', destinationCity: 'xz' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('flight demo', () => {
  let nats: InfraServer;
  let zk: InfraServer;
  let nc: NatsConnection;
  let dir: string;
  let registry: ChildProcess;
  const flights = new Map<number, ChildProcess>();
  const ports: number[] = [];
  const okByPeer = new Map<string, number>();

  const registryCall = <T>(subject: string, body: unknown): Promise<T> => natsRequest<T>(nc, subject, body, 10_000);

  const startFlight = async (port: number): Promise<void> => {
    const child = spawn(process.execPath, [join(REPO, 'examples', 'flight', 'dist', 'src', 'main.js')], {
      env: { ...process.env, MSEC_SERVICE: FLIGHT_SERVICE, MSEC_PORT: String(port), MSEC_ZK_CONNECT: zk.url, MSEC_DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    flights.set(port, child);
    await new Promise<void>((ready, fail) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('serving on') && ready());
      child.once('exit', (code) => fail(new Error(`flight on ${port} exited with ${code}`)));
    });
  };

  before(async () => {
    [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
    dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}flight-`));
    registry = spawn(process.execPath, [join(REPO, 'services', 'registry', 'dist', 'src', 'main.js')], {
      env: { ...process.env, MSEC_NATS_URL: nats.url, MSEC_ZK_CONNECT: zk.url, MSEC_DATA_DIR: dir, NO_COLOR: '1' },
      stdio: 'ignore',
    });
    nc = await connect({ servers: nats.url });
    for (let i = 0; i < 100; i += 1) {
      const health = await natsRequest<HealthReport>(nc, Subjects.health(Component.registry), {}, 1000).catch(() => undefined);
      if (health?.ready) break;
      await sleep(200);
    }
    await registryCall(RegistrySubjects.serviceCreate, { name: FLIGHT_SERVICE, memo: 'flight query demo' });
    for (let i = 0; i < 3; i += 1) ports.push(await freePort());
    await Promise.all(ports.map(startFlight));
    await registryCall(RegistrySubjects.scaleOut, { service: FLIGHT_SERVICE, instances: ports.map((p) => `127.0.0.1:${p}`) });
    process.env.MSEC_ZK_CONNECT = zk.url;
    process.env.MSEC_DATA_DIR = dir;
    onClientCall((event) => {
      if (event.ok) okByPeer.set(event.peer, (okByPeer.get(event.peer) ?? 0) + 1);
    });
  });

  after(async () => {
    closeSharedRuntime();
    for (const child of flights.values()) child.kill('SIGKILL');
    registry?.kill('SIGTERM');
    await nc?.close();
    await Promise.all([nats?.dispose(), zk?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('flight - queryFlight by service name gives bison the flight and anyone else errcode -1', async () => {
    const flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE, { proto: FLIGHT_PROTO });
    assert.deepEqual({ ...(await flight.queryFlight(BISON)) }, { errcode: 0, errmsg: 'success', flightsInfo: '{春秋航空;c8835;RMB1230}' });
    assert.deepEqual({ ...(await flight.queryFlight({ ...BISON, password: 'wrong' })) }, { errcode: -1, errmsg: 'invalid user', flightsInfo: '' });
  });

  it('flight - a direct address works like the reference CRpcUdpChannel, and HTTP+JSON is served on the same port', async () => {
    const direct = await client<FlightClient>(`127.0.0.1:${ports[0]}`, FLIGHT_IDL_SERVICE);
    assert.equal((await direct.queryFlight(BISON)).errcode, 0);
    const body = await new Promise<string>((done, fail) => {
      const req = httpRequest({ host: '127.0.0.1', port: ports[1], method: 'POST', path: '/?methodName=flight.flight_service.queryFlight', headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => done(text));
      });
      req.on('error', fail);
      req.end(JSON.stringify(BISON));
    });
    assert.deepEqual(JSON.parse(body), { ret: 0, errmsg: '', resultObj: { errcode: 0, errmsg: 'success', flightsInfo: '{春秋航空;c8835;RMB1230}' } });
  });

  it('flight - calls spread over all three instances, and a scale-in reaches the caller within 1 s', async () => {
    const flight = await client<FlightClient>(FLIGHT_SERVICE, FLIGHT_IDL_SERVICE);
    okByPeer.clear();
    for (let i = 0; i < 90; i += 1) await flight.queryFlight(BISON);
    // Weights follow each caller's own latency record, so on a loaded machine the split is uneven; every instance still serves.
    for (const port of ports) assert.ok((okByPeer.get(`127.0.0.1:${port}`) ?? 0) >= 5, `instance ${port} got ${okByPeer.get(`127.0.0.1:${port}`)} of 90 calls`);

    const gone = `127.0.0.1:${ports[2]}`;
    await registryCall(RegistrySubjects.scaleIn, { service: FLIGHT_SERVICE, instances: [gone] });
    await sleep(1000);
    okByPeer.clear();
    for (let i = 0; i < 60; i += 1) await flight.queryFlight(BISON);
    assert.equal(okByPeer.get(gone) ?? 0, 0, 'the scaled-in instance still got calls after 1 s');
    await registryCall(RegistrySubjects.scaleOut, { service: FLIGHT_SERVICE, instances: [gone] });
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
    flights.get(victim)!.kill('SIGKILL');
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
    await zk.stop();
    let failed = 0;
    for (let i = 0; i < 200; i += 1) await flight.queryFlight(BISON).catch(() => (failed += 1));
    assert.equal(failed, 0, 'calls failed while ZooKeeper was down');
    await zk.start();
    const extra = await freePort();
    await startFlight(extra);
    await registryCall(RegistrySubjects.scaleOut, { service: FLIGHT_SERVICE, instances: [`127.0.0.1:${extra}`] }).catch(() => undefined);
    okByPeer.clear();
    const by = Date.now() + 30_000;
    while ((okByPeer.get(`127.0.0.1:${extra}`) ?? 0) === 0 && Date.now() < by) {
      await flight.queryFlight(BISON).catch(() => undefined);
      await sleep(50);
    }
    assert.ok((okByPeer.get(`127.0.0.1:${extra}`) ?? 0) > 0, 'an instance added after ZooKeeper came back never got traffic');
  });
});
