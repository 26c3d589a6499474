import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RateLimiter, RpcClient, RpcServer } from '@msec/rpc';
import { Echo, Forward } from './echo-service.js';
import { serveGrpcEcho, serveNestNatsEcho, serveRawEcho } from './peer-servers.js';

/**
 * Run as a child process: `node servers.js echo` serves Echo; `node servers.js hop <port>` serves Forward by
 * calling Echo on <port>. Prints the bound port as `PORT <n>` and serves until told to stop.
 */
async function main(): Promise<void> {
  const [role, target] = process.argv.slice(2);
  if (role === 'raw' || role === 'grpc' || role === 'nest') {
    const peer = role === 'raw' ? await serveRawEcho() : role === 'grpc' ? await serveGrpcEcho() : await serveNestNatsEcho(target!);
    process.send?.(`PORT ${peer.port}`);
    process.on('message', (m) => {
      if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
      if (m !== 'stop') return;
      peer.close();
      process.exit(0);
    });
    return;
  }
  // echo-limited: Echo under a rate limit it never reaches, to measure what admission costs.
  const admission = role === 'echo-limited' ? new RateLimiter([{ method: Echo.name, qps: 1e9 }]) : undefined;
  const server = new RpcServer({ port: 0, admission });
  if (role === 'echo' || role === 'echo-limited') {
    server.handle(Echo, (req) => req);
  } else if (role === 'hop') {
    const client = new RpcClient({ caller: 'bench.HopService' });
    const endpoint = { host: '127.0.0.1', port: Number(target) };
    server.handle(Forward, (req, ctx) => client.call(endpoint, Echo, req, { parent: ctx }));
  } else {
    throw new Error(`unknown role ${role ?? ''}; use echo, echo-limited or hop <port>`);
  }
  const { port } = await server.listen();
  process.send?.(`PORT ${port}`);
  process.on('message', async (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    if (m === 'stop') {
      await server.close(100);
      process.exit(0);
    }
  });
}

/** A server running in its own process, on loopback. */
export interface ChildServer {
  port: number;
  /** The child's process.cpuUsage(), in µs. */
  cpuUsage(): Promise<NodeJS.CpuUsage>;
  stop(): Promise<void>;
}

/** Starts a server role in a child process and waits for its port. */
export function startChildServer(
  role: 'echo' | 'echo-limited' | 'hop' | 'raw' | 'grpc' | 'nest',
  target?: number | string,
): Promise<ChildServer> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [role, ...(target === undefined ? [] : [String(target)])], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${role} server did not start within 10 s`));
    }, 10_000);
    child.once('error', reject);
    child.once('message', (m) => {
      clearTimeout(timer);
      const port = Number(String(m).split(' ')[1]);
      resolve({
        port,
        cpuUsage: () =>
          new Promise<NodeJS.CpuUsage>((done) => {
            const onMessage = (reply: unknown): void => {
              if (typeof reply !== 'object' || reply === null || !('cpu' in reply)) return;
              child.off('message', onMessage);
              done((reply as { cpu: NodeJS.CpuUsage }).cpu);
            };
            child.on('message', onMessage);
            child.send('cpu');
          }),
        stop: () =>
          new Promise<void>((done) => {
            const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.send('stop');
          }),
      });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
