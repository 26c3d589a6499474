import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { defineMethod, encodeFrame, jsonCodec, RpcClient, RpcServer, type CallEvent, type CallContext } from '../src/index.js';

const Echo = defineMethod<{ text: string; delayMs?: number }, { text: string }>('robust.Echo.Echo', jsonCodec(), jsonCodec());
const Budget = defineMethod<{ slowMs: number }, { seen: number | undefined; trace: string | undefined }>(
  'robust.Chain.Budget',
  jsonCodec(),
  jsonCodec(),
);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}
const closed = (s: Socket): Promise<void> => new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('rpc robustness', () => {
  let server: RpcServer;
  let port: number;
  let client: RpcClient;
  const warnings: string[] = [];
  const serverEvents: CallEvent[] = [];

  before(async () => {
    server = new RpcServer({
      port: 0,
      maxFrameBytes: 64 * 1024,
      partialFrameTimeoutMs: 300,
      maxInFlightPerConnection: 8,
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      onCall: (e) => serverEvents.push(e),
    }).handle(Echo, async (req) => {
      if (req.delayMs) await sleep(req.delayMs);
      return { text: req.text };
    });
    port = (await server.listen()).port;
    client = new RpcClient({ caller: 'robust.Client', timeoutMs: 10_000 });
  });

  after(async () => {
    client.close();
    await server.close();
  });

  const stillServes = async (): Promise<void> => {
    assert.equal((await client.call({ host: '127.0.0.1', port }, Echo, { text: 'ok' })).text, 'ok');
  };

  it('robustness - garbage bytes close that connection with a logged reason; others are served', async () => {
    const s = await openSocket(port);
    s.write(Buffer.from([0x28, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 1, 2, 3]));
    await closed(s);
    await stillServes();
    assert.ok(warnings.some((w) => /broke the frame protocol/.test(w)));
  });

  it('robustness - an oversized frame is refused from its length alone', async () => {
    const s = await openSocket(port);
    const header = Buffer.alloc(9);
    header[0] = 0x28;
    header.writeUInt32BE(10, 1);
    header.writeUInt32BE(10 * 1024 * 1024, 5);
    s.write(header);
    await closed(s);
    await stillServes();
  });

  it('robustness - a frame truncated then closed by the peer leaves the server serving', async () => {
    const s = await openSocket(port);
    const frame = encodeFrame({ sequence: 1, methodName: Echo.name }, Buffer.from('{"text":"x"}'));
    s.end(frame.subarray(0, frame.length - 3));
    await closed(s);
    await stillServes();
  });

  it('robustness - a slow-loris peer that stalls mid-frame is cut off after partialFrameTimeoutMs', async () => {
    const s = await openSocket(port);
    const frame = encodeFrame({ sequence: 1, methodName: Echo.name }, Buffer.from('{"text":"x"}'));
    s.write(frame.subarray(0, 12));
    const t0 = Date.now();
    await stillServes();
    await closed(s);
    assert.ok(Date.now() - t0 < 5_000);
    assert.ok(warnings.some((w) => /stalled half-sent/.test(w)));
  });

  it('robustness - a connection over its in-flight limit is paused, not dropped: every call completes', async () => {
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, i) => client.call({ host: '127.0.0.1', port }, Echo, { text: `n${i}`, delayMs: 2 })),
    );
    replies.forEach((r, i) => assert.equal(r.text, `n${i}`));
  });

  it('robustness - the server reports each finished call with its trace ids', async () => {
    serverEvents.length = 0;
    const clientEvents: CallEvent[] = [];
    const c = new RpcClient({ caller: 'robust.Watcher', onCall: (e) => clientEvents.push(e) });
    await c.call({ host: '127.0.0.1', port }, Echo, { text: 'traced' }, { traceId: 'trace-1' });
    c.close();
    const e = serverEvents.find((x) => x.caller === 'robust.Watcher')!;
    assert.equal(e.ok, true);
    assert.equal(e.traceId, 'trace-1');
    assert.equal(clientEvents[0]!.spanId, e.spanId);
    assert.equal(clientEvents[0]!.side, 'client');
  });

  it('robustness - graceful stop finishes calls in flight and refuses new ones with retryable RPC_UNAVAILABLE', async () => {
    const s = new RpcServer({ port: 0 }).handle(Echo, async (req) => {
      await sleep(req.delayMs ?? 0);
      return { text: req.text };
    });
    const p = (await s.listen()).port;
    const c = new RpcClient({ timeoutMs: 10_000 });
    await c.call({ host: '127.0.0.1', port: p }, Echo, { text: 'warm' });
    const running = c.call({ host: '127.0.0.1', port: p }, Echo, { text: 'running', delayMs: 300 });
    await sleep(50);
    let deregistered = false;
    const stopping = s.close({ graceMs: 5_000, deregister: () => void (deregistered = true) });
    await sleep(20);
    await assert.rejects(c.call({ host: '127.0.0.1', port: p }, Echo, { text: 'late' }), { code: 'RPC_UNAVAILABLE', retryable: true });
    assert.equal((await running).text, 'running');
    await stopping;
    assert.ok(deregistered);
    c.close();
  });

  it('robustness - a deadline holds end to end: A → B → C with C slow, A times out at its deadline and B sees a reduced budget', async () => {
    const seenByB: Array<number | undefined> = [];
    const c = new RpcServer({ port: 0 }).handle(Budget, async (req, ctx) => {
      await sleep(req.slowMs);
      return { seen: ctx.remainingMs(), trace: ctx.traceId };
    });
    const cPort = (await c.listen()).port;
    const bClient = new RpcClient({ caller: 'robust.B', timeoutMs: 30_000 });
    const b = new RpcServer({ port: 0 }).handle(Budget, async (req, ctx: CallContext) => {
      seenByB.push(ctx.remainingMs());
      return bClient.call({ host: '127.0.0.1', port: cPort }, Budget, req, { parent: ctx });
    });
    const bPort = (await b.listen()).port;
    const a = new RpcClient({ caller: 'robust.A' });

    const fast = await a.call({ host: '127.0.0.1', port: bPort }, Budget, { slowMs: 0 }, { timeoutMs: 2_000, traceId: 'trace-abc' });
    assert.equal(fast.trace, 'trace-abc', 'the trace id travels A → B → C');
    assert.ok(fast.seen! <= 2_000, `C saw ${String(fast.seen)} ms, no more than A's budget`);

    const t0 = performance.now();
    await assert.rejects(a.call({ host: '127.0.0.1', port: bPort }, Budget, { slowMs: 3_000 }, { timeoutMs: 500 }), {
      code: 'RPC_TIMEOUT',
    });
    const took = performance.now() - t0;
    assert.ok(took >= 490 && took < 2_500, `A gave up after ${took.toFixed(0)} ms`);
    assert.ok(seenByB[1]! <= 500, `B saw ${String(seenByB[1])} ms`);
    a.close();
    bClient.close();
    await b.close(0);
    await c.close(0);
  });
});
