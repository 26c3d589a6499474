import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { MsecError } from '@msec/contracts';
import { ZkRouteWriter } from '@msec/nlb';
import { startZooKeeper, TEMP_DIR_PREFIX, type InfraServer } from '@msec/testing';
import { client, closeSharedRuntime, closeTelemetry, defineService, serve, type RunningService } from '../src/index.js';

const SERVICE = 'Gov.mod_traffic';
const root = protobuf.Root.fromJSON({
  nested: {
    gv: {
      nested: {
        Req: { fields: { fail: { type: 'bool', id: 1 } } },
        Reply: { fields: { ok: { type: 'bool', id: 1 } } },
        Traffic: { methods: { hit: { requestType: 'Req', responseType: 'Reply' }, other: { requestType: 'Req', responseType: 'Reply' } } },
      },
    },
  },
});
type TrafficClient = {
  hit(request: { fail?: boolean }): Promise<{ ok?: boolean }>;
  other(request: { fail?: boolean }): Promise<{ ok?: boolean }>;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const code = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'OK',
    (e: MsecError) => e.code,
  );

let implOf: object;

describe('sdk traffic policy from ZooKeeper', () => {
  let zk: InfraServer;
  let writer: ZkRouteWriter;
  let running: RunningService;
  let second: RunningService | undefined;
  let direct: TrafficClient;
  let routed: TrafficClient;
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}sdk-traffic-`));
  const saved = { ...process.env };
  const policy = (p: object): Buffer => Buffer.from(JSON.stringify({ version: 1, limits: [], ...p }));

  before(async () => {
    zk = await startZooKeeper();
    writer = await ZkRouteWriter.open(zk.url);
    Object.assign(process.env, { MSEC_SERVICE: SERVICE, MSEC_DATA_DIR: dir, MSEC_ZK_CONNECT: zk.url, MSEC_NATS_URL: '' });
    const impl = {
      hit: (request: { fail?: boolean }) => {
        if (request.fail) throw new Error('failing on purpose');
        return { ok: true };
      },
      other: () => ({ ok: true }),
    };
    running = await serve(defineService(root, 'gv.Traffic', impl as never), { port: 0, handleSignals: false });
    implOf = impl;
    await writer.putInstance(SERVICE, { ip: '127.0.0.1', port: running.port, weight: 100, enabled: true });
    direct = await client<TrafficClient>(`127.0.0.1:${running.port}`, 'gv.Traffic', { proto: root });
    routed = await client<TrafficClient>(SERVICE, 'gv.Traffic', { proto: root });
  });

  after(async () => {
    await second?.stop();
    await running?.stop();
    closeSharedRuntime();
    await closeTelemetry();
    writer?.close();
    await zk?.stop();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('traffic policy - a rate limit set for the service takes effect in the running instance within seconds, and removing it lifts it', async () => {
    await writer.putTraffic(SERVICE, policy({ limits: [{ method: 'gv.Traffic.hit', qps: 5 }] }));
    let refused = false;
    for (const deadline = Date.now() + 5_000; !refused && Date.now() < deadline; await sleep(20)) {
      refused = (await code(direct.hit({}))) === 'RPC_RATE_LIMITED';
    }
    assert.ok(refused, 'the limit came into force');
    await sleep(1_000);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => code(direct.hit({}))));
    const ok = outcomes.filter((c) => c === 'OK').length;
    assert.ok(ok >= 4 && ok <= 6, `about 5 admitted after a 1 s pause, got ${ok}: ${outcomes.join(',')}`);
    assert.ok(outcomes.every((c) => c === 'OK' || c === 'RPC_RATE_LIMITED'));
    assert.equal(await code(direct.other({})), 'OK', 'other methods are not limited');

    await writer.putTraffic(SERVICE, undefined);
    let lifted = false;
    for (const deadline = Date.now() + 5_000; !lifted && Date.now() < deadline; await sleep(100)) {
      lifted = (await Promise.all(Array.from({ length: 20 }, () => code(direct.hit({}))))).every((c) => c === 'OK');
    }
    assert.ok(lifted, 'with the policy removed every call runs');
  });

  it('traffic policy - breaker settings for the callee apply to running callers: the breaker opens on errors', async () => {
    await writer.putTraffic(SERVICE, policy({ breaker: { minCalls: 3, errorRatio: 0.5, openMs: 60_000 } }));
    await sleep(1_000);
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) codes.push(await code(routed.hit({ fail: true })));
    assert.deepEqual(codes, ['INTERNAL', 'INTERNAL', 'INTERNAL', 'RPC_CIRCUIT_OPEN']);
    assert.equal(await code(routed.other({})), 'OK', 'the breaker is per method');
    await writer.putTraffic(SERVICE, undefined);
  });

  it('traffic policy - a cluster-wide limit is shared evenly by the serving instances', async () => {
    second = await serve(defineService(root, 'gv.Traffic', implOf as never), { port: 0, handleSignals: false });
    await writer.putInstance(SERVICE, { ip: '127.0.0.1', port: second.port, weight: 100, enabled: true });
    const other = await client<TrafficClient>(`127.0.0.1:${second.port}`, 'gv.Traffic', { proto: root });
    await writer.putTraffic(SERVICE, policy({ limits: [{ method: 'gv.Traffic.hit', qps: 20, cluster: true }] }));
    // Each instance admits 10 a second: after a pause a burst of 30 gets about 10 through on each.
    const burst = async (c: TrafficClient): Promise<number> =>
      (await Promise.all(Array.from({ length: 30 }, () => code(c.hit({}))))).filter((x) => x === 'OK').length;
    let admitted: number[] = [];
    for (const deadline = Date.now() + 8_000; Date.now() < deadline;) {
      await sleep(1_100);
      admitted = [await burst(direct), await burst(other)];
      if (admitted.every((n) => n >= 9 && n <= 12)) break;
    }
    assert.ok(
      admitted.every((n) => n >= 9 && n <= 12),
      `each of the two instances admits about 20 / 2 after a pause: ${admitted.join(', ')}`,
    );
    await writer.putTraffic(SERVICE, undefined);
  });
});
