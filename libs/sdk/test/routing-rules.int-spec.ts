import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { ZkRouteWriter } from '@msec/nlb';
import { startZooKeeper, TEMP_DIR_PREFIX, type InfraServer } from '@msec/testing';
import { client, closeSharedRuntime, closeTelemetry, defineService, serve, type RunningService } from '../src/index.js';

const SERVICE = 'Gray.mod_user';
const root = protobuf.Root.fromJSON({
  nested: {
    gr: {
      nested: {
        Req: { fields: { user: { type: 'string', id: 1 } } },
        Reply: { fields: { port: { type: 'uint32', id: 1 } } },
        Users: { methods: { who: { requestType: 'Req', responseType: 'Reply' } } },
      },
    },
  },
});
type UsersClient = { who(request: { user: string }): Promise<{ port: number }> };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sdk routing rules from ZooKeeper', () => {
  let zk: InfraServer;
  let writer: ZkRouteWriter;
  let stable: RunningService;
  let gray: RunningService;
  let users: UsersClient;
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}sdk-routing-`));
  const saved = { ...process.env };
  /** Ports that answered `user` in n calls. */
  const answered = async (user: string, n = 30): Promise<Set<number>> =>
    new Set(await Promise.all(Array.from({ length: n }, async () => (await users.who({ user })).port)));

  before(async () => {
    zk = await startZooKeeper();
    writer = await ZkRouteWriter.open(zk.url);
    Object.assign(process.env, { MSEC_SERVICE: 'Flight.mod_flight', MSEC_DATA_DIR: dir, MSEC_ZK_CONNECT: zk.url, MSEC_NATS_URL: '' });
    const start = async (): Promise<RunningService> => {
      let port = 0;
      const running = await serve(defineService(root, 'gr.Users', { who: () => ({ port }) } as never), { port: 0, handleSignals: false });
      port = running.port;
      return running;
    };
    stable = await start();
    gray = await start();
    await writer.putInstance(SERVICE, { ip: '127.0.0.1', port: stable.port, weight: 1000, enabled: true });
    await writer.putInstance(SERVICE, { ip: '127.0.0.1', port: gray.port, weight: 1000, enabled: true, tags: ['v2'] });
    users = await client<UsersClient>(SERVICE, 'gr.Users', { proto: root });
  });

  after(async () => {
    await gray?.stop();
    await stable?.stop();
    closeSharedRuntime();
    await closeTelemetry();
    writer?.close();
    await zk?.stop();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('routing rules - a rule by user field sends that user to the tagged instance only; removing it restores normal selection, no restart', async () => {
    assert.deepEqual([...(await answered('bison'))], [stable.port], 'without rules the tagged instance takes no calls');

    await writer.putTraffic(
      SERVICE,
      Buffer.from(JSON.stringify({ version: 2, limits: [], routes: [{ id: 'beta', tag: 'v2', field: 'user', values: ['bison'] }] })),
    );
    let routed = false;
    for (const deadline = Date.now() + 5_000; !routed && Date.now() < deadline; await sleep(100)) {
      routed = (await answered('bison', 5)).has(gray.port);
    }
    assert.ok(routed, 'the rule reached the running caller within seconds');
    assert.deepEqual([...(await answered('bison'))], [gray.port], "bison's calls all go to the tagged instance");
    assert.deepEqual([...(await answered('ant'))], [stable.port], "everyone else's calls stay on the untagged one");

    await writer.putTraffic(SERVICE, undefined);
    let restored = false;
    for (const deadline = Date.now() + 5_000; !restored && Date.now() < deadline; await sleep(100)) {
      restored = !(await answered('bison', 5)).has(gray.port);
    }
    assert.ok(restored, 'removing the rule restored normal selection within seconds');
    assert.deepEqual([...(await answered('bison'))], [stable.port]);
  });

  it('routing rules - with the tagged instance gone, its users are served by the others', async () => {
    await writer.putTraffic(
      SERVICE,
      Buffer.from(JSON.stringify({ version: 3, limits: [], routes: [{ id: 'beta', tag: 'v2', field: 'user', values: ['bison'] }] })),
    );
    for (const deadline = Date.now() + 5_000; Date.now() < deadline && !(await answered('bison', 5)).has(gray.port);) await sleep(100);
    await writer.putInstance(SERVICE, { ip: '127.0.0.1', port: gray.port, weight: 1000, enabled: false, tags: ['v2'] });
    let moved = false;
    for (const deadline = Date.now() + 5_000; !moved && Date.now() < deadline; await sleep(100)) {
      moved = [...(await answered('bison', 5))].every((p) => p === stable.port);
    }
    assert.ok(moved, 'scaled in, the tagged instance no longer takes the rule’s calls; the untagged one does');
  });
});
