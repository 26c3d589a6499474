import { RpcClient } from '@msec/rpc';
import { PIPELINE_DEPTH } from './bench-kit.js';
import { Echo } from './echo-service.js';
import { connectRawEcho } from './raw-echo-client.js';
import { startChildServer, type ChildServer } from './servers.js';

/**
 * CPU µs per pipelined echo call, client and server process summed: far steadier than calls/s on a shared
 * machine, so this is what to watch while optimising. Not a *.bench file: the runner does not publish it.
 * Usage: node bench/rpc/dist/src/cpu-per-call.js [msec|raw] [calls=200000]
 */
const kind = process.argv[2] ?? 'msec';
const calls = Number(process.argv[3] ?? '200000');

async function runCalls(op: () => Promise<unknown>, total: number): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started++ < total) await op();
  };
  await Promise.all(Array.from({ length: PIPELINE_DEPTH }, worker));
}

async function measureCpu(server: ChildServer, op: () => Promise<unknown>): Promise<void> {
  await runCalls(op, Math.min(50_000, calls));
  const c0 = process.cpuUsage();
  const s0 = await server.cpuUsage();
  const t0 = performance.now();
  await runCalls(op, calls);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const s1 = await server.cpuUsage();
  const client = (c.user + c.system) / calls;
  const srv = (s1.user - s0.user + s1.system - s0.system) / calls;
  const f = (v: number): string => v.toFixed(2);
  console.log(
    `${kind}: client ${f(client)} µs/call (sys ${f(c.system / calls)}), server ${f(srv)} µs/call (sys ${f((s1.system - s0.system) / calls)}), ` +
      `total ${f(client + srv)} µs/call; ${Math.round((calls * 1000) / wall)} calls/s wall`,
  );
}

if (kind === 'raw') {
  const server = await startChildServer('raw');
  const raw = await connectRawEcho(server.port);
  await measureCpu(server, raw.call);
  raw.close();
  await server.stop();
} else {
  const server = await startChildServer('echo');
  const client = new RpcClient({ caller: 'bench.Client' });
  const endpoint = { host: '127.0.0.1', port: server.port };
  let seq = 0;
  await measureCpu(server, () => client.call(endpoint, Echo, { text: 'hello msec', seq: seq++ }));
  client.close();
  await server.stop();
}
