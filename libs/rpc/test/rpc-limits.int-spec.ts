import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { defineMethod, jsonCodec, RpcClient, RpcServer } from '../src/index.js';

const Echo = defineMethod<{ text: string }, { text: string }>('limits.Echo.Echo', jsonCodec(), jsonCodec());

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}
const closed = (s: Socket): Promise<void> => new Promise((r) => (s.destroyed || s.closed ? r() : s.once('close', () => r())));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The first `bytes` bytes of a frame announcing a head of 16 bytes and a body of `bodyBytes`. */
function partialFrame(bodyBytes: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes, 0x61);
  b[0] = 0x28;
  b.writeUInt32BE(16, 1);
  b.writeUInt32BE(bodyBytes, 5);
  return b;
}

describe('rpc server limits', () => {
  let server: RpcServer;
  let port: number;
  let client: RpcClient;
  const warnings: string[] = [];
  const sockets: Socket[] = [];

  before(async () => {
    server = new RpcServer({
      port: 0,
      maxFrameBytes: 1024 * 1024,
      maxPartialFrameBytes: 2 * 1024 * 1024,
      maxConnections: 6,
      partialFrameTimeoutMs: 60_000,
      logger: { warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
    }).handle(Echo, (req) => ({ text: req.text }));
    port = (await server.listen()).port;
    client = new RpcClient({ caller: 'limits.Client', timeoutMs: 10_000 });
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    client.close();
    await server.close();
  });

  const stillServes = async (): Promise<void> => {
    assert.equal((await client.call({ host: '127.0.0.1', port }, Echo, { text: 'ok' })).text, 'ok');
  };

  it('limits - incomplete frames held across connections stay under maxPartialFrameBytes: the connection going over is closed', async () => {
    // Three peers each send 900 KiB of a 1 MiB frame and stall: 2.7 MiB would be held, the budget is 2 MiB.
    const peers = await Promise.all([0, 1, 2].map(() => openSocket(port)));
    sockets.push(...peers);
    for (const peer of peers) {
      peer.write(partialFrame(1000 * 1024, 900 * 1024));
      await sleep(150);
    }
    await closed(peers[2]!);
    assert.equal(peers[0]!.destroyed, false, 'the first stalled peer is still connected (it stayed within the budget)');
    assert.ok(warnings.some((w) => /broke the frame protocol/.test(w)));
    await stillServes();
    for (const peer of peers) peer.destroy();
    await Promise.all(peers.map(closed));
  });

  it('limits - the budget is given back when a stalled peer goes away', async () => {
    await sleep(100);
    const peers = await Promise.all([0, 1].map(() => openSocket(port)));
    sockets.push(...peers);
    for (const peer of peers) {
      peer.write(partialFrame(1000 * 1024, 900 * 1024));
      await sleep(150);
    }
    assert.equal(peers[1]!.destroyed, false, 'two stalled peers fit in 2 MiB once the earlier ones have gone');
    for (const peer of peers) peer.destroy();
    await Promise.all(peers.map(closed));
  });

  it('limits - connections over maxConnections are closed at accept and counted; the server keeps serving', async () => {
    await sleep(100);
    const open: Socket[] = [];
    for (let i = 0; i < 5; i++) open.push(await openSocket(port));
    sockets.push(...open);
    await sleep(100);
    const dropped = server.droppedConnections;
    const extra = await Promise.all([0, 1, 2].map(() => openSocket(port)));
    sockets.push(...extra);
    await Promise.all(extra.map(closed));
    assert.ok(server.droppedConnections >= dropped + 3, `three connections refused (${server.droppedConnections - dropped})`);
    for (const s of open) s.destroy();
    await Promise.all(open.map(closed));
    await sleep(100);
    await stillServes();
  });
});
