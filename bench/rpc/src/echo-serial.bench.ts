import { RpcClient } from '@msec/rpc';
import { benchSeconds, measure, report } from './bench-kit.js';
import { Echo } from './echo-service.js';
import { startChildServer } from './servers.js';

const server = await startChildServer('echo');
const client = new RpcClient({ caller: 'bench.Client' });
const endpoint = { host: '127.0.0.1', port: server.port };
let seq = 0;
const m = await measure(() => client.call(endpoint, Echo, { text: 'hello msec', seq: seq++ }), {
  concurrency: 1,
  durationMs: benchSeconds() * 1000,
  warmupMs: 500,
});
client.close();
await server.stop();
report('echo-serial', 'echo < 100 B, one call at a time: round-trip latency on loopback', m);
