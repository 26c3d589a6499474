import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { LOG_COLOUR_BUCKET, LOG_TRACE_SAMPLING_KEY, NatsRole } from '@msec/contracts';
import { startNats, TEMP_DIR_PREFIX, type NatsTestServer } from '@msec/testing';
import {
  client,
  closeSharedRuntime,
  closeTelemetry,
  defineService,
  serve,
  type RequestContext,
  type RunningService,
} from '../src/index.js';

const SERVICE = 'Trace.mod_sampling';
const root = protobuf.Root.fromJSON({
  nested: {
    tr: {
      nested: {
        ShowRequest: { fields: { n: { type: 'uint32', id: 1 } } },
        ShowReply: { fields: { traced: { type: 'bool', id: 1 } } },
        Sampling: { methods: { show: { requestType: 'ShowRequest', responseType: 'ShowReply' } } },
      },
    },
  },
});
type SamplingClient = { show(request: { n: number }): Promise<{ traced?: boolean }> };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('sdk trace sampling from the console', () => {
  let nats: NatsTestServer;
  let nc: NatsConnection;
  let kv: KV;
  let running: RunningService;
  let sampling: SamplingClient;
  const dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}sdk-sampling-`));
  const saved = { ...process.env };

  /** Calls until the entry decision is `traced`, or fails after 10 s. */
  const until = async (traced: boolean): Promise<void> => {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
      if (((await sampling.show({ n: 1 })).traced ?? false) === traced) return;
    }
    assert.fail(`requests never became ${traced ? 'traced' : 'untraced'}`);
  };

  before(async () => {
    nats = await startNats();
    // The log service owns the bucket; the test acts as it.
    nc = await nats.connectAs(NatsRole.log);
    kv = await new Kvm(nc).create(LOG_COLOUR_BUCKET);
    Object.assign(process.env, {
      ...(await nats.envFor(NatsRole.service, SERVICE)),
      MSEC_SERVICE: SERVICE,
      MSEC_DATA_DIR: dir,
      MSEC_TRACE_SAMPLE_RATE: '0',
    });
    const show = (_request: { n: number }, context: RequestContext): { traced: boolean } => ({ traced: context.call.traced });
    running = await serve(defineService(root, 'tr.Sampling', { show: show as never }), { port: 0, handleSignals: false });
    sampling = await client<SamplingClient>(`127.0.0.1:${running.port}`, 'tr.Sampling', { proto: root });
  });

  after(async () => {
    await running?.stop();
    closeSharedRuntime();
    await closeTelemetry();
    await nc?.close();
    await nats?.dispose();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('trace sampling - a rate set for the service in the console overrides its environment, and deleting it restores it', async () => {
    assert.equal((await sampling.show({ n: 1 })).traced ?? false, false, 'MSEC_TRACE_SAMPLE_RATE=0: nothing is traced');
    await kv.put(LOG_TRACE_SAMPLING_KEY, JSON.stringify({ services: { 'Other.mod': { rate: 1, maxPerSecond: 100 } } }));
    await sleep(500);
    assert.equal((await sampling.show({ n: 1 })).traced ?? false, false, 'another service’s setting does not apply');
    await kv.put(LOG_TRACE_SAMPLING_KEY, JSON.stringify({ services: { [SERVICE]: { rate: 1, maxPerSecond: 1000 } } }));
    await until(true);
    await kv.delete(LOG_TRACE_SAMPLING_KEY);
    await until(false);
  });
});
