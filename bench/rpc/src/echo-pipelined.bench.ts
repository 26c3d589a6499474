import { RpcClient } from '@msec/rpc';
import { benchSeconds, measure, PIPELINE_DEPTH, report } from './bench-kit.js';
import { Echo } from './echo-service.js';
import { startChildServer } from './servers.js';

const server = await startChildServer('echo');
const client = new RpcClient({ caller: 'bench.Client' });
const endpoint = { host: '127.0.0.1', port: server.port };
let seq = 0;
const m = await measure(() => client.call(endpoint, Echo, { text: 'hello msec', seq: seq++ }), {
  concurrency: PIPELINE_DEPTH,
  durationMs: benchSeconds() * 1000,
  warmupMs: 500,
});
client.close();
await server.stop();
report('echo-pipelined', 'echo < 100 B, one long TCP connection, 64 calls in flight, server in its own process', m);
