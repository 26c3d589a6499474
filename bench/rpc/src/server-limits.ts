import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, RpcServer } from '@msec/rpc';

/**
 * What the RPC server's limits cost and save. Not a *.bench file: the runner does not publish it.
 * Usage: node bench/rpc/dist/src/server-limits.js
 *  1. CPU to reassemble one 4 MiB frame fed to the decoder in 2 KiB pieces (median of 5).
 *  2. Resident memory of a server (defaults) while 20 peers each send 7 MiB of an 8 MiB frame and stall.
 *  3. The same with frames under the default size limit: 20 peers each send 3.5 MiB of a 4 MiB frame and stall.
 */
const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function reassemblyMs(): number {
  const frame = encodeFrame({ sequence: 1, methodName: 'bench.Limits.Echo' }, Buffer.alloc(4 * MiB - 256, 1));
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const decoder = new FrameDecoder(8 * MiB);
    const start = process.cpuUsage();
    let frames = 0;
    for (let at = 0; at < frame.length; at += 2048) frames += decoder.decode(frame.subarray(at, at + 2048));
    const used = process.cpuUsage(start);
    if (frames !== 1) throw new Error(`expected one frame, got ${frames}`);
    runs.push((used.user + used.system) / 1000);
  }
  return runs.sort((a, b) => a - b)[2]!;
}

async function stalledMemory(frameMiB: number, sentMiB: number): Promise<{ idleMb: number; peakMb: number; afterMb: number }> {
  const server = new RpcServer({ port: 0, httpJson: false, logger: { warn: () => undefined, error: () => undefined } });
  const { port } = await server.listen();
  global.gc?.();
  const rss = (): number => Math.round(process.memoryUsage().rss / MiB);
  const idleMb = rss();
  // One shared frame: the senders add no memory of their own beyond it.
  const frame = encodeFrame({ sequence: 1, methodName: 'bench.Limits.Echo' }, Buffer.alloc(frameMiB * MiB - 256, 1));
  const sockets: Socket[] = [];
  for (let i = 0; i < 20; i++) {
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => undefined);
    for (let at = 0; at < sentMiB * MiB; at += 64 * 1024) s.write(frame.subarray(at, at + 64 * 1024));
    sockets.push(s);
  }
  let peakMb = idleMb;
  for (let i = 0; i < 20; i++) {
    await sleep(100);
    peakMb = Math.max(peakMb, rss());
  }
  for (const s of sockets) s.destroy();
  await sleep(200);
  global.gc?.();
  const afterMb = rss();
  await server.close();
  return { idleMb, peakMb, afterMb };
}

const ms = reassemblyMs();
console.log(`reassembly of a 4 MiB frame in 2 KiB pieces: ${ms.toFixed(1)} ms CPU (median of 5)`);
for (const [frameMiB, sentMiB] of [
  [8, 7],
  [4, 3.5],
] as const) {
  const mem = await stalledMemory(frameMiB, sentMiB);
  console.log(`20 peers stalling ${sentMiB} of ${frameMiB} MiB: RSS idle ${mem.idleMb} MB, peak ${mem.peakMb} MB, after ${mem.afterMb} MB`);
}
