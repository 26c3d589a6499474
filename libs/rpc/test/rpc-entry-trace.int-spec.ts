import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { defineMethod, encodeFrame, FrameDecoder, jsonCodec, RpcClient, RpcServer, silentLogger, type CallEvent } from '../src/index.js';

interface Seen {
  traceId: string | undefined;
  spanId: string | undefined;
  traced: boolean;
  downstream?: Seen;
}
const Show = defineMethod<{ hop?: boolean }, Seen>('entry.Trace.Show', jsonCodec(), jsonCodec());

/** Sends one raw MSEC frame, as a legacy SRPC client does, and returns the reply's head and body. */
function rawCall(port: number, head: { sequence: number; methodName: string; flowId?: number }, body: string) {
  return new Promise<{ head: { sequence: number; flowId?: number; err?: number }; body: string }>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      const [frame] = decoder.push(chunk);
      if (frame === undefined) return;
      socket.destroy();
      resolve({ head: frame.head, body: Buffer.from(frame.body).toString('utf8') });
    });
    socket.on('error', reject);
    socket.write(encodeFrame(head, Buffer.from(body)));
  });
}

function httpCall(port: number, method: string, json: unknown): Promise<{ ret: number; resultObj: Seen; traceId?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: `/?methodName=${method}` }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(json));
  });
}

describe('rpc entry trace', () => {
  let server: RpcServer;
  let port: number;
  let client: RpcClient;
  let sampled = false;
  const events: CallEvent[] = [];

  before(async () => {
    client = new RpcClient({ caller: 'entry.Caller' });
    server = new RpcServer({ port: 0, logger: silentLogger, sample: () => sampled, onCall: (e) => events.push(e) }).handle(
      Show,
      async (req, call) => {
        const seen: Seen = { traceId: call.traceId, spanId: call.spanId, traced: call.traced };
        if (req.hop) seen.downstream = await client.call({ host: '127.0.0.1', port }, Show, {}, { parent: call });
        return seen;
      },
    );
    port = (await server.listen()).port;
  });

  after(async () => {
    client.close();
    await server.close();
  });

  it('entry trace - a legacy SRPC frame with flow_id 777 is traced as 777 and its reply echoes sequence and flow_id', async () => {
    events.length = 0;
    const reply = await rawCall(port, { sequence: 4242, methodName: Show.name, flowId: 777 }, '{}');
    assert.equal(reply.head.sequence, 4242);
    assert.equal(reply.head.flowId, 777);
    const seen = JSON.parse(reply.body) as Seen;
    assert.equal(seen.traceId, '777');
    assert.match(seen.spanId ?? '', /^[0-9a-f]{12}[0-9a-z]+$/);
    assert.equal(events.at(-1)?.traceId, '777');
    assert.equal(events.at(-1)?.flowId, 777);
    assert.equal(events.at(-1)?.caller, undefined);
  });

  it('entry trace - a frame with neither trace nor flow_id, and an error reply, still echo what was sent', async () => {
    const plain = await rawCall(port, { sequence: 7, methodName: Show.name }, '{}');
    assert.equal(plain.head.sequence, 7);
    assert.equal(plain.head.flowId, undefined);
    assert.match((JSON.parse(plain.body) as Seen).traceId ?? '', /^[0-9a-f]{12}[0-9a-z]+$/);
    const failed = await rawCall(port, { sequence: 8, methodName: 'entry.Trace.Missing', flowId: 99 }, '{}');
    assert.equal(failed.head.sequence, 8);
    assert.equal(failed.head.flowId, 99);
    assert.notEqual(failed.head.err ?? 0, 0);
  });

  it('entry trace - a call over HTTP+JSON gets a trace id at the first module, and the call listener hears of it', async () => {
    events.length = 0;
    const reply = await httpCall(port, Show.name, {});
    assert.equal(reply.ret, 0);
    assert.match(reply.resultObj.traceId ?? '', /^[0-9a-f]{12}[0-9a-z]+$/);
    assert.equal(reply.traceId, reply.resultObj.traceId, 'the reply names the trace, to find its logs');
    const event = events.find((e) => e.traceId === reply.resultObj.traceId);
    assert.ok(event, 'the HTTP call was reported to the listener with its trace id');
    assert.equal(event.ok, true);
    assert.match(event.peer, /^127\.0\.0\.1:\d+$/);
  });

  it('entry trace - the entry module samples once and every module downstream follows its decision', async () => {
    sampled = false;
    const off = await client.call({ host: '127.0.0.1', port }, Show, { hop: true });
    assert.equal(off.traced, false);
    assert.equal(off.downstream?.traced, false);
    assert.equal(off.downstream?.traceId, off.traceId);
    sampled = true;
    const on = await client.call({ host: '127.0.0.1', port }, Show, { hop: true });
    assert.equal(on.traced, true);
    assert.equal(on.downstream?.traced, true);
    // The downstream module does not sample again: its head carries the entry's decision.
    sampled = false;
    const coloured = await client.call({ host: '127.0.0.1', port }, Show, { hop: true }, { coloring: 1 });
    assert.equal(coloured.traced, true, 'a coloured request is always traced');
    assert.equal(coloured.downstream?.traced, true);
    const decided = await client.call({ host: '127.0.0.1', port }, Show, {}, { traced: true });
    assert.equal(decided.traced, true, 'a caller that decided is followed');
  });
});
