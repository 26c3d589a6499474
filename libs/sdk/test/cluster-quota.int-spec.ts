import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { NatsRole, RATE_QUOTA_BUCKET, type MsecError } from '@msec/contracts';
import { ensureRateQuotaBucket } from '@msec/bus';
import { ZkRouteWriter } from '@msec/nlb';
import { startNats, startZooKeeper, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';
import { client, closeSharedRuntime, closeTelemetry, defineService, serve, type RunningService } from '../src/index.js';

const SERVICE = 'Gov.mod_quota';
const root = protobuf.Root.fromJSON({
  nested: {
    gq: {
      nested: {
        Req: { fields: {} },
        Reply: { fields: { ok: { type: 'bool', id: 1 } } },
        Quota: { methods: { hit: { requestType: 'Req', responseType: 'Reply' } } },
      },
    },
  },
});
type QuotaClient = { hit(request: object): Promise<{ ok?: boolean }> };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const LIMIT = 20;

/**
 * Sends a call every 10 ms for `seconds` whole wall-clock seconds, taking turns over `clients`, and returns how many
 * were admitted in each of those seconds (all refusals must be RPC_RATE_LIMITED).
 */
async function admittedPerSecond(clients: QuotaClient[], seconds: number): Promise<number[]> {
  // Start at the next second so every counted second is whole.
  await sleep(1000 - (Date.now() % 1000) + 5);
  const first = Math.floor(Date.now() / 1000);
  const counts = new Map<number, number>();
  const calls: Promise<void>[] = [];
  for (let i = 0; Math.floor(Date.now() / 1000) < first + seconds; i += 1) {
    const window = Math.floor(Date.now() / 1000);
    calls.push(
      clients[i % clients.length]!.hit({}).then(
        () => void counts.set(window, (counts.get(window) ?? 0) + 1),
        (e: MsecError) => assert.equal(e.code, 'RPC_RATE_LIMITED'),
      ),
    );
    await sleep(10);
  }
  await Promise.all(calls);
  return Array.from({ length: seconds }, (_, i) => counts.get(first + i) ?? 0);
}

describe('sdk cluster-wide rate limits', () => {
  let nats: NatsTestServer;
  let zk: InfraServer;
  let registry: NatsConnection;
  let writer: ZkRouteWriter;
  const running: RunningService[] = [];
  const clients: QuotaClient[] = [];
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}sdk-quota-`));
  const saved = { ...process.env };

  before(async () => {
    [nats, zk] = await Promise.all([startNats(), startZooKeeper()]);
    registry = await nats.connectAs(NatsRole.registry);
    await ensureRateQuotaBucket(registry);
    writer = await ZkRouteWriter.open(zk.url);
    Object.assign(process.env, await nats.envFor(NatsRole.service, SERVICE), {
      MSEC_SERVICE: SERVICE,
      MSEC_DATA_DIR: dir,
      MSEC_ZK_CONNECT: zk.url,
    });
    for (let i = 0; i < 2; i += 1) {
      const instance = await serve(defineService(root, 'gq.Quota', { hit: () => ({ ok: true }) } as never), {
        port: 0,
        handleSignals: false,
      });
      running.push(instance);
      await writer.putInstance(SERVICE, { ip: '127.0.0.1', port: instance.port, weight: 100, enabled: true });
      clients.push(await client<QuotaClient>(`127.0.0.1:${instance.port}`, 'gq.Quota', { proto: root }));
    }
    await writer.putTraffic(
      SERVICE,
      Buffer.from(JSON.stringify({ version: 1, limits: [{ method: 'gq.Quota.hit', qps: LIMIT, cluster: true }] })),
    );
    // The policy and the two serving instances reach both instances within a second.
    await sleep(1500);
  });

  after(async () => {
    for (const instance of running) await instance.stop();
    closeSharedRuntime();
    await closeTelemetry();
    writer?.close();
    await registry?.close();
    await Promise.all([nats?.dispose(), zk?.stop()]);
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('cluster limit - all the load on one of two instances still gets the whole limit, not half of it', async () => {
    const counts = await admittedPerSecond([clients[0]!], 3);
    for (const n of counts) assert.ok(n >= LIMIT - 3 && n <= LIMIT + 2, `admitted per second on one instance: ${counts.join(', ')}`);
  });

  it('cluster limit - load spread over both instances gets the limit in all', async () => {
    const counts = await admittedPerSecond(clients, 3);
    for (const n of counts) assert.ok(n >= LIMIT - 3 && n <= LIMIT + 2, `admitted per second over two instances: ${counts.join(', ')}`);
  });

  it('cluster limit - with the shared count unreachable each instance admits its even share, and the count is used again once back', async () => {
    await (await new Kvm(registry).open(RATE_QUOTA_BUCKET)).destroy();
    const counts = await admittedPerSecond([clients[0]!], 3);
    // The first second may still see a few shared tokens; then the instance's share: 20 / 2.
    for (const n of counts.slice(1)) assert.ok(n >= 8 && n <= 12, `admitted per second without the shared count: ${counts.join(', ')}`);
    await ensureRateQuotaBucket(registry);
    await sleep(2500);
    const back = await admittedPerSecond([clients[0]!], 2);
    assert.ok(
      back.some((n) => n >= LIMIT - 3),
      `the whole limit again once the count is back: ${back.join(', ')}`,
    );
  });
});
