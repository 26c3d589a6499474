import { RpcClient } from '@msec/rpc';
import { benchSeconds, measure, PIPELINE_DEPTH, report } from './bench-kit.js';
import { Forward } from './echo-service.js';
import { startChildServer } from './servers.js';

const echo = await startChildServer('echo');
const hop = await startChildServer('hop', echo.port);
const client = new RpcClient({ caller: 'bench.Client' });
const endpoint = { host: '127.0.0.1', port: hop.port };
let seq = 0;
const m = await measure(() => client.call(endpoint, Forward, { text: 'hello msec', seq: seq++ }), {
  concurrency: PIPELINE_DEPTH,
  durationMs: benchSeconds() * 1000,
  warmupMs: 500,
});
client.close();
await hop.stop();
await echo.stop();
report('one-hop', 'client → hop → echo, each in its own process, 64 calls in flight (MSEC\'s "one RPC hop")', m);
