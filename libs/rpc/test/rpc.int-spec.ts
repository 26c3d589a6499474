import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { request as httpRequest } from 'node:http';
import protobuf from 'protobufjs';
import { MsecError } from '@msec/contracts';
import {
  defineMethod,
  jsonCodec,
  protobufCodec,
  RpcClient,
  RpcServer,
  silentLogger,
  type CallContext,
  type RpcError,
} from '../src/index.js';

const root = protobuf.Root.fromJSON({
  nested: {
    echo: {
      nested: {
        EchoRequest: { fields: { text: { type: 'string', id: 1 }, delayMs: { type: 'uint32', id: 2 }, count: { type: 'int64', id: 3 } } },
        EchoReply: { fields: { text: { type: 'string', id: 1 }, count: { type: 'int64', id: 2 } } },
      },
    },
  },
});
interface EchoRequest {
  text: string;
  delayMs?: number;
  count?: number;
}
interface EchoReply {
  text: string;
  count: number;
}
const Echo = defineMethod<EchoRequest, EchoReply>(
  'echo.EchoService.Echo',
  protobufCodec(root.lookupType('echo.EchoRequest')),
  protobufCodec(root.lookupType('echo.EchoReply')),
);
const Fail = defineMethod<{ kind: string }, null>('echo.EchoService.Fail', jsonCodec(), jsonCodec());
const Context = defineMethod<Record<string, never>, Partial<CallContext> & { remaining?: number }>(
  'echo.EchoService.Context',
  jsonCodec(),
  jsonCodec(),
);
const Hop = defineMethod<Record<string, never>, unknown>('echo.HopService.Forward', jsonCodec(), jsonCodec());
const Missing = defineMethod<null, null>('echo.EchoService.Missing', jsonCodec(), jsonCodec());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function httpPost(port: number, path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('rpc over tcp', () => {
  let server: RpcServer;
  let hop: RpcServer;
  let client: RpcClient;
  let downstream: RpcClient;
  let port: number;
  let hopPort: number;

  before(async () => {
    server = new RpcServer({ port: 0, logger: silentLogger })
      .handle(Echo, async (req) => {
        if (req.delayMs) await sleep(req.delayMs);
        return { text: req.text, count: (req.count ?? 0) + 1 };
      })
      .handle(Fail, (req) => {
        if (req.kind === 'typed') throw new MsecError('FLIGHT_SOLD_OUT', 'no seats left', { status: 409, data: { flight: 'CA1831' } });
        throw new Error('database password is hunter2');
      })
      .handle(Context, (_req, ctx) => ({
        method: ctx.method,
        caller: ctx.caller,
        flowId: ctx.flowId,
        coloring: ctx.coloring,
        colorId: ctx.colorId,
        callerStack: ctx.callerStack,
        remaining: ctx.remainingMs(),
      }));
    port = (await server.listen()).port;
    downstream = new RpcClient({ caller: 'echo.HopService', timeoutMs: 10_000 });
    hop = new RpcServer({ port: 0 }).handle(Hop, (_req, ctx) =>
      downstream.call({ host: '127.0.0.1', port }, Context, {}, { parent: ctx, timeoutMs: 5_000 }),
    );
    hopPort = (await hop.listen()).port;
    client = new RpcClient({ caller: 'test.Caller', timeoutMs: 10_000 });
  });

  after(async () => {
    client.close();
    downstream.close();
    await hop.close();
    await server.close();
  });

  it('rpc - echoes a protobuf message, 64-bit fields as numbers', async () => {
    const reply = await client.call({ host: '127.0.0.1', port }, Echo, { text: 'hello', count: 2 ** 40 });
    assert.deepEqual({ ...reply }, { text: 'hello', count: 2 ** 40 + 1 });
  });

  it('rpc - multiplexes a thousand concurrent calls on one connection, replies matched out of order', async () => {
    const calls = Array.from({ length: 1000 }, (_, i) => client.call({ host: '127.0.0.1', port }, Echo, { text: `m${i}`, delayMs: i % 7 }));
    const replies = await Promise.all(calls);
    replies.forEach((r, i) => assert.equal(r.text, `m${i}`));
    assert.equal(server.load.connections, 1);
  });

  it('rpc - a typed error thrown by the handler reaches the caller with its code, status and data', async () => {
    await assert.rejects(client.call({ host: '127.0.0.1', port }, Fail, { kind: 'typed' }), (e: MsecError) => {
      assert.ok(e instanceof MsecError);
      assert.deepEqual(e.toPayload(), {
        code: 'FLIGHT_SOLD_OUT',
        message: 'no seats left',
        status: 409,
        retryable: false,
        data: { flight: 'CA1831' },
      });
      return true;
    });
  });

  it('rpc - an unexpected error is reported to the server hook and reaches the caller as INTERNAL without its text', async () => {
    const seen: unknown[] = [];
    const s = new RpcServer({ port: 0, logger: { warn: () => undefined, error: (_m, d) => seen.push(d?.error) } }).handle(Fail, () => {
      throw new Error('database password is hunter2');
    });
    const p = (await s.listen()).port;
    await assert.rejects(client.call({ host: '127.0.0.1', port: p }, Fail, { kind: 'bug' }), (e: RpcError) => {
      assert.equal(e.code, 'INTERNAL');
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
    assert.equal(seen.length, 1);
    await s.close();
  });

  it('rpc - an unknown method fails with RPC_METHOD_NOT_FOUND', async () => {
    await assert.rejects(client.call({ host: '127.0.0.1', port }, Missing, null), { code: 'RPC_METHOD_NOT_FOUND', status: 404 });
  });

  it('rpc - a slow reply times out with RPC_TIMEOUT and the connection stays usable', async () => {
    await assert.rejects(client.call({ host: '127.0.0.1', port }, Echo, { text: 'slow', delayMs: 300 }, { timeoutMs: 50 }), {
      code: 'RPC_TIMEOUT',
      retryable: false,
    });
    assert.equal((await client.call({ host: '127.0.0.1', port }, Echo, { text: 'after' })).text, 'after');
  });

  it('rpc - a refused connection fails with retryable RPC_CONNECTION_FAILED', async () => {
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const freePort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await assert.rejects(client.call({ host: '127.0.0.1', port: freePort }, Echo, { text: 'x' }), {
      code: 'RPC_CONNECTION_FAILED',
      retryable: true,
    });
  });

  it('rpc - the callee sees caller, flow id, colouring and a deadline no later than the timeout', async () => {
    const ctx = await client.call({ host: '127.0.0.1', port }, Context, {}, { timeoutMs: 3_000, flowId: 42, coloring: 1, colorId: 7 });
    assert.equal(ctx.method, 'echo.EchoService.Context');
    assert.equal(ctx.caller, 'test.Caller');
    assert.equal(ctx.flowId, 42);
    assert.equal(ctx.coloring, 1);
    assert.equal(ctx.colorId, 7);
    assert.ok(ctx.remaining !== undefined && ctx.remaining <= 3_000 && ctx.remaining > 0);
  });

  it('rpc - a downstream call carries the flow id, colouring and call path, and its deadline is capped by the parent', async () => {
    const ctx = (await client.call({ host: '127.0.0.1', port: hopPort }, Hop, {}, { timeoutMs: 2_000, flowId: 99, coloring: 1 })) as Record<
      string,
      unknown
    >;
    assert.equal(ctx.flowId, 99);
    assert.equal(ctx.coloring, 1);
    assert.equal(ctx.caller, 'echo.HopService');
    assert.equal(ctx.callerStack, 'echo.HopService.Forward');
    assert.ok((ctx.remaining as number) <= 2_000, `remaining ${String(ctx.remaining)} should be capped by the parent's 2000 ms`);
  });

  it('rpc - requests queued longer than overloadQueueMs are dropped with retryable RPC_OVERLOADED', async () => {
    const s = new RpcServer({ port: 0, maxConcurrent: 1, overloadQueueMs: 50 }).handle(Echo, async (req) => {
      await sleep(req.delayMs ?? 0);
      return { text: req.text, count: 0 };
    });
    const p = (await s.listen()).port;
    const first = client.call({ host: '127.0.0.1', port: p }, Echo, { text: 'busy', delayMs: 200 });
    const second = client.call({ host: '127.0.0.1', port: p }, Echo, { text: 'queued' });
    assert.equal((await first).text, 'busy');
    await assert.rejects(second, { code: 'RPC_OVERLOADED', retryable: true });
    await s.close();
  });

  it('rpc - calls in flight fail with RPC_CONNECTION_CLOSED when the server goes away, and the client reconnects to a new one', async () => {
    const s = new RpcServer({ port: 0 }).handle(Echo, async (req) => {
      await sleep(req.delayMs ?? 0);
      return { text: req.text, count: 0 };
    });
    const p = (await s.listen()).port;
    const pending = client.call({ host: '127.0.0.1', port: p }, Echo, { text: 'x', delayMs: 800 }, { timeoutMs: 10_000 });
    await sleep(50);
    const failed = assert.rejects(pending, { code: 'RPC_CONNECTION_CLOSED' });
    await s.close(0);
    await failed;
    const again = new RpcServer({ port: p }).handle(Echo, (req) => ({ text: req.text, count: 0 }));
    await again.listen();
    assert.equal((await client.call({ host: '127.0.0.1', port: p }, Echo, { text: 'back' })).text, 'back');
    await again.close();
  });

  it('rpc - the same port serves MSEC HTTP+JSON: POST /?methodName=…', async () => {
    const ok = await httpPost(port, '/?methodName=echo.EchoService.Echo', JSON.stringify({ text: 'json', count: '5' }));
    assert.equal(ok.status, 200);
    const { traceId, ...reply } = ok.json as { traceId?: string };
    assert.deepEqual(reply, { ret: 0, errmsg: '', resultObj: { text: 'json', count: '6' } });
    assert.match(traceId ?? '', /^[0-9a-f]{12}[0-9a-z]+$/, 'the reply names the trace the request got');
    const missing = await httpPost(port, '/?methodName=echo.EchoService.Nope', '{}');
    assert.equal(missing.json.ret, -1004);
    assert.equal((missing.json.error as { code: string }).code, 'RPC_METHOD_NOT_FOUND');
    const typed = await httpPost(port, '/?methodName=echo.EchoService.Fail', JSON.stringify({ kind: 'typed' }));
    assert.equal((typed.json.error as { code: string }).code, 'FLIGHT_SOLD_OUT');
  });

  it('rpc - garbage on the wire closes that connection only', async () => {
    const { connect } = await import('node:net');
    const sock = connect({ host: '127.0.0.1', port });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.write(Buffer.from([0x28, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0x00]));
    await closed;
    assert.equal((await client.call({ host: '127.0.0.1', port }, Echo, { text: 'still fine' })).text, 'still fine');
  });
});
