import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MsecError } from '@msec/contracts';
import {
  defineMethod,
  jsonCodec,
  RpcClient,
  RpcServer,
  silentLogger,
  type CallContext,
  type CallEvent,
  type MessageCodec,
} from '../src/index.js';

// The per-call fast paths: handlers answered without a promise, frames batched into one write, deadlines on a
// shared wheel, bodies decoded in place.
const Echo = defineMethod<{ text: string; delayMs?: number }, { text: string }>('hot.Echo.Echo', jsonCodec(), jsonCodec());
const Mode = defineMethod<{ mode: 'value' | 'promise' | 'throw' | 'reject' | 'unencodable' }, { mode: string }>(
  'hot.Echo.Mode',
  jsonCodec(),
  jsonCodec(),
);
const failingCodec: MessageCodec<{ text: string }> = {
  ...jsonCodec<{ text: string }>(),
  encode: () => {
    throw new MsecError('TEST_ENCODE', 'cannot encode this', { status: 400 });
  },
};
const Unsendable = defineMethod<{ text: string }, { text: string }>('hot.Echo.Echo', failingCodec, jsonCodec());
const Ids = defineMethod<{ n: number }, { traceId?: string; spanId?: string; parentSpanId?: string }>(
  'hot.Echo.Ids',
  jsonCodec(),
  jsonCodec(),
);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('rpc hot path', () => {
  let server: RpcServer;
  let port: number;
  const serverEvents: CallEvent[] = [];

  before(async () => {
    server = new RpcServer({ port: 0, logger: silentLogger, onCall: (e) => serverEvents.push(e) })
      .handle(Echo, async (req) => {
        if (req.delayMs) await sleep(req.delayMs);
        return { text: req.text };
      })
      .handle(Ids, (_req, ctx) => ({ traceId: ctx.traceId, spanId: ctx.spanId, parentSpanId: ctx.parentSpanId }))
      .handle(Mode, (req) => {
        if (req.mode === 'throw') throw new MsecError('TEST_THROWN', 'thrown at once', { status: 409 });
        if (req.mode === 'reject') return Promise.reject(new MsecError('TEST_REJECTED', 'rejected later', { status: 409 }));
        if (req.mode === 'promise') return Promise.resolve({ mode: 'promise' });
        if (req.mode === 'unencodable') return { mode: 1n as unknown as string };
        return { mode: 'value' };
      });
    port = (await server.listen()).port;
  });

  after(async () => {
    await server.close();
  });

  it('hot path - mixed deadlines on one connection: slow calls time out near their deadline, fast ones succeed', async () => {
    const client = new RpcClient({ timeoutMs: 10_000 });
    const endpoint = { host: '127.0.0.1', port };
    const started = performance.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        i % 3 === 0
          ? client.call(endpoint, Echo, { text: `slow${i}`, delayMs: 400 }, { timeoutMs: 80 + i }).then(
              () => 'replied',
              (e: { code: string }) => `${e.code} after ${Math.round(performance.now() - started)}`,
            )
          : client.call(endpoint, Echo, { text: `fast${i}` }, { timeoutMs: 2_000 }).then((r) => r.text),
      ),
    );
    outcomes.forEach((o, i) => {
      assert.equal(o.status, 'fulfilled');
      const value = (o as PromiseFulfilledResult<string>).value;
      if (i % 3 !== 0) return assert.equal(value, `fast${i}`);
      const [code, , ms] = value.split(' ');
      assert.equal(code, 'RPC_TIMEOUT');
      assert.ok(Number(ms) >= 80 + i - 1, `call ${i} timed out after ${ms} ms, before its ${80 + i} ms`);
    });
    // The slow replies arrive after their callers gave up: they are dropped and the connection keeps serving.
    await sleep(450);
    assert.equal((await client.call(endpoint, Echo, { text: 'after' })).text, 'after');
    client.close();
  });

  it('hot path - handlers that return a value, a promise, throw or reject are all answered', async () => {
    const client = new RpcClient();
    const endpoint = { host: '127.0.0.1', port };
    assert.equal((await client.call(endpoint, Mode, { mode: 'value' })).mode, 'value');
    assert.equal((await client.call(endpoint, Mode, { mode: 'promise' })).mode, 'promise');
    await assert.rejects(client.call(endpoint, Mode, { mode: 'throw' }), { code: 'TEST_THROWN', status: 409 });
    await assert.rejects(client.call(endpoint, Mode, { mode: 'reject' }), { code: 'TEST_REJECTED', status: 409 });
    await assert.rejects(client.call(endpoint, Mode, { mode: 'unencodable' }), { code: 'INTERNAL' });
    assert.equal(server.load.active, 0);
    client.close();
  });

  it('hot path - a request that cannot be encoded fails that call alone and the listener hears of it', async () => {
    const events: CallEvent[] = [];
    const client = new RpcClient({ onCall: (e) => events.push(e) });
    const endpoint = { host: '127.0.0.1', port };
    const good = client.call(endpoint, Echo, { text: 'good' });
    await assert.rejects(client.call(endpoint, Unsendable, { text: 'bad' }), { code: 'TEST_ENCODE' });
    assert.equal((await good).text, 'good');
    assert.deepEqual(
      events.map((e) => [e.ok, e.code]),
      [
        [false, 'TEST_ENCODE'],
        [true, undefined],
      ],
    );
    client.close();
  });

  it('hot path - frames bigger than the write slab and hundreds of small ones in one tick arrive intact and in order', async () => {
    const client = new RpcClient({ timeoutMs: 10_000 });
    const endpoint = { host: '127.0.0.1', port };
    const big = 'x'.repeat(200_000);
    const texts = Array.from({ length: 600 }, (_, i) => (i % 150 === 7 ? `${big}${i}` : `small${i}`));
    const replies = await Promise.all(texts.map((text) => client.call(endpoint, Echo, { text })));
    replies.forEach((r, i) => assert.equal(r.text, texts[i]));
    client.close();
  });

  it('hot path - calls made before the connection is up are sent once it connects, each reported by the server', async () => {
    serverEvents.length = 0;
    const client = new RpcClient({ caller: 'hot.Early' });
    const endpoint = { host: '127.0.0.1', port };
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => client.call(endpoint, Echo, { text: `early${i}` })));
    replies.forEach((r, i) => assert.equal(r.text, `early${i}`));
    const mine = serverEvents.filter((e) => e.caller === 'hot.Early');
    assert.equal(mine.length, 50);
    assert.ok(mine.every((e) => e.ok && e.traceId !== undefined && e.spanId !== undefined));
    client.close();
  });

  it('hot path - more calls in flight than the reply ring has slots, answered out of order, each get their own reply', async () => {
    const client = new RpcClient({ timeoutMs: 20_000 });
    const endpoint = { host: '127.0.0.1', port };
    const texts = Array.from({ length: 2_500 }, (_, i) => `r${i}`);
    const replies = await Promise.all(texts.map((text, i) => client.call(endpoint, Echo, { text, delayMs: (i * 7) % 13 })));
    replies.forEach((r, i) => assert.equal(r.text, texts[i]));
    client.close();
  });

  it('hot path - trace and span ids reach the handler and the server listener as sent, ASCII or not', async () => {
    serverEvents.length = 0;
    const client = new RpcClient({ caller: 'hot.Ids' });
    const endpoint = { host: '127.0.0.1', port };
    const seen = await client.call(endpoint, Ids, { n: 1 }, { traceId: 'trace-ünïcode-1' });
    const event = serverEvents.find((e) => e.caller === 'hot.Ids')!;
    assert.equal(seen.traceId, 'trace-ünïcode-1');
    assert.equal(event.traceId, 'trace-ünïcode-1');
    assert.equal(seen.spanId, event.spanId);
    assert.match(seen.spanId!, /^[0-9a-f]{12}[0-9a-z]+$/);
    assert.equal(seen.parentSpanId, undefined);
    const parent: CallContext = {
      method: 'hot.Parent.Call',
      caller: undefined,
      flowId: 5,
      coloring: 0,
      colorId: undefined,
      callerStack: undefined,
      deadlineAt: undefined,
      remote: '',
      traceId: seen.traceId,
      spanId: seen.spanId,
      parentSpanId: undefined,
      traced: true,
      markTraced: () => undefined,
      remainingMs: () => undefined,
    };
    const child = await client.call(endpoint, Ids, { n: 2 }, { parent });
    assert.equal(child.traceId, 'trace-ünïcode-1');
    assert.equal(child.parentSpanId, seen.spanId);
    client.close();
  });
});
