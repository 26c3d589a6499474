import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { ZkRouteWriter } from '@msec/nlb';
import { startZooKeeper, TEMP_DIR_PREFIX, type InfraServer } from '@msec/testing';
import { client, closeSharedRuntime, closeTelemetry, defineService, serve, type RunningService } from '../src/index.js';

const SERVICE = 'Gov.mod_option';
const root = protobuf.Root.fromJSON({
  nested: {
    go: {
      nested: {
        Req: { fields: {} },
        Reply: { fields: { ok: { type: 'bool', id: 1 } } },
        Opt: { methods: { hit: { requestType: 'Req', responseType: 'Reply' } } },
      },
    },
  },
});
type OptClient = { hit(request: object): Promise<{ ok?: boolean }> };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sdk serve with the zkConnect option only', () => {
  let zk: InfraServer;
  let running: RunningService;
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}sdk-zk-option-`));
  const saved = { ...process.env };

  before(async () => {
    zk = await startZooKeeper();
    // No MSEC_ZK_CONNECT: ZooKeeper is named only in serve's options.
    Object.assign(process.env, { MSEC_SERVICE: SERVICE, MSEC_DATA_DIR: dir, MSEC_ZK_CONNECT: '', MSEC_NATS_URL: '' });
    running = await serve(defineService(root, 'go.Opt', { hit: () => ({ ok: true }) } as never), {
      port: 0,
      handleSignals: false,
      zkConnect: zk.url,
    });
  });

  after(async () => {
    await running?.stop();
    closeSharedRuntime();
    await closeTelemetry();
    await zk?.stop();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve options - a service given ZooKeeper only in serve({ zkConnect }) follows its traffic policy too', async () => {
    const writer = await ZkRouteWriter.open(zk.url);
    after(() => writer.close());
    await writer.putTraffic(SERVICE, Buffer.from(JSON.stringify({ version: 1, limits: [{ method: 'go.Opt.hit', qps: 1 }] })));
    const direct = await client<OptClient>(`127.0.0.1:${running.port}`, 'go.Opt', { proto: root });
    let refused = false;
    for (const deadline = Date.now() + 5_000; !refused && Date.now() < deadline; await sleep(50)) {
      const codes = await Promise.all(
        Array.from({ length: 5 }, () =>
          direct.hit({}).then(
            () => 'OK',
            (e: { code?: string }) => e.code,
          ),
        ),
      );
      refused = codes.includes('RPC_RATE_LIMITED');
    }
    assert.ok(refused, 'the limit set in ZooKeeper came into force');
  });
});
