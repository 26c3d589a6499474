import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { ZkRouteWriter } from '@msec/nlb';
import { startZooKeeperEnsemble, TEMP_DIR_PREFIX, type ZooKeeperEnsemble } from '@msec/testing';
import { client, closeSharedRuntime, closeTelemetry, defineService, serve, type RunningService } from '../src/index.js';

const SERVICE = 'Fault.mod_zk';
const root = protobuf.Root.fromJSON({
  nested: {
    zf: {
      nested: {
        Req: { fields: { n: { type: 'uint32', id: 1 } } },
        Reply: { fields: { port: { type: 'uint32', id: 1 } } },
        Probe: { methods: { who: { requestType: 'Req', responseType: 'Reply' } } },
      },
    },
  },
});
type ProbeClient = { who(request: { n: number }): Promise<{ port: number }> };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sdk routing while the ZooKeeper leader dies', () => {
  let ensemble: ZooKeeperEnsemble;
  const running: RunningService[] = [];
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}sdk-zk-faults-`));
  const saved = { ...process.env };

  const start = async (): Promise<RunningService> => {
    let port = 0;
    const instance = await serve(defineService(root, 'zf.Probe', { who: () => ({ port }) } as never), { port: 0, handleSignals: false });
    port = instance.port;
    running.push(instance);
    return instance;
  };

  before(async () => {
    ensemble = await startZooKeeperEnsemble(3);
    Object.assign(process.env, { MSEC_SERVICE: SERVICE, MSEC_DATA_DIR: dir, MSEC_ZK_CONNECT: ensemble.url, MSEC_NATS_URL: '' });
  });

  after(async () => {
    for (const instance of running) await instance.stop().catch(() => undefined);
    closeSharedRuntime();
    await closeTelemetry();
    await ensemble?.dispose();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('zookeeper faults - kill -9 of the leader under load: no call fails for lack of a route; a route change made right after it died arrives', async () => {
    const writer = await ZkRouteWriter.open(ensemble.url);
    after(() => writer.close());
    const [a, b] = [await start(), await start()];
    for (const instance of [a, b]) await writer.putInstance(SERVICE, { ip: '127.0.0.1', port: instance.port, weight: 1000, enabled: true });
    const probe = await client<ProbeClient>(SERVICE, 'zf.Probe', { proto: root });
    for (const deadline = Date.now() + 5_000; (await probe.who({ n: 0 }).catch(() => undefined)) === undefined && Date.now() < deadline;)
      await sleep(100);

    const failures: string[] = [];
    const answeredBy = new Set<number>();
    let calls = 0;
    let running_ = true;
    const worker = async (): Promise<void> => {
      while (running_) {
        try {
          answeredBy.add((await probe.who({ n: calls++ })).port);
        } catch (error) {
          failures.push((error as { code?: string }).code ?? String(error));
        }
        await sleep(2);
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    await sleep(1_000);
    const leader = await ensemble.leader();
    assert.ok(leader, 'the ensemble has a leader');
    await leader.kill();

    // A third instance is scaled out right after the leader died: the write is retried until a new leader takes it.
    const c = await start();
    let written = false;
    for (const deadline = Date.now() + 30_000; !written && Date.now() < deadline;) {
      written = await writer.putInstance(SERVICE, { ip: '127.0.0.1', port: c.port, weight: 1000, enabled: true }).then(
        () => true,
        async () => {
          await sleep(250);
          return false;
        },
      );
    }
    assert.ok(written, 'the route change reached ZooKeeper once a leader was elected');
    answeredBy.clear();
    for (const deadline = Date.now() + 15_000; !answeredBy.has(c.port) && Date.now() < deadline;) await sleep(200);
    running_ = false;
    await load;
    assert.ok(answeredBy.has(c.port), 'callers route to the instance added during the election');
    assert.ok(calls > 1_000, `the load went on throughout (${calls} calls)`);
    assert.deepEqual(failures, [], 'no call failed while the leader died and a new one was elected');
  });
});
