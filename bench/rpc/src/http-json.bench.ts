import { Agent, request } from 'node:http';
import { benchSeconds, measure, report } from './bench-kit.js';
import { startChildServer } from './servers.js';

const server = await startChildServer('echo');
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const body = JSON.stringify({ text: 'hello msec', seq: 1 });
const call = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/?methodName=bench.EchoService.Echo',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
const m = await measure(call, { concurrency: 16, durationMs: benchSeconds() * 1000, warmupMs: 500 });
agent.destroy();
await server.stop();
report('http-json', 'MSEC HTTP+JSON form on the RPC port, 16 keep-alive connections', m);
