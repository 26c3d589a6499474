import { benchSeconds, measure, PIPELINE_DEPTH, report } from './bench-kit.js';
import { connectRawEcho, RAW_PAYLOAD } from './raw-echo-client.js';
import { startChildServer } from './servers.js';

const server = await startChildServer('raw');
const raw = await connectRawEcho(server.port);
const m = await measure(raw.call, { concurrency: PIPELINE_DEPTH, durationMs: benchSeconds() * 1000, warmupMs: 500 });
raw.close();
await server.stop();
report('raw-tcp-echo', `raw TCP echo of the same ${RAW_PAYLOAD.length}-byte frame, 64 in flight, same write coalescing (the ceiling)`, m);
