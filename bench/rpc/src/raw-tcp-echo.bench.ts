import { connect } from 'node:net';
import { encodeFrame } from '@msec/rpc';
import { benchSeconds, measure, PIPELINE_DEPTH, report } from './bench-kit.js';
import { Echo } from './echo-service.js';
import { startChildServer } from './servers.js';

// The same bytes an msec echo request puts on the wire, echoed back untouched; order is kept, so a FIFO of
// waiters matches replies without parsing anything but the length.
const payload = encodeFrame(
  { sequence: 1, methodName: Echo.name, caller: 'bench.Client', deadlineMs: 1000 },
  Echo.request.encode({ text: 'hello msec', seq: 1 }),
);
const server = await startChildServer('raw');
const socket = connect({ host: '127.0.0.1', port: server.port });
socket.setNoDelay(true);
await new Promise<void>((r) => socket.once('connect', () => r()));
const waiters: Array<() => void> = [];
let buffered = 0;
socket.on('data', (chunk: Buffer) => {
  buffered += chunk.length;
  while (buffered >= payload.length) {
    buffered -= payload.length;
    waiters.shift()!();
  }
});
let corked = false;
const m = await measure(
  () =>
    new Promise<void>((resolve) => {
      waiters.push(resolve);
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(() => {
          corked = false;
          socket.uncork();
        });
      }
      socket.write(payload);
    }),
  { concurrency: PIPELINE_DEPTH, durationMs: benchSeconds() * 1000, warmupMs: 500 },
);
socket.destroy();
await server.stop();
report('raw-tcp-echo', `raw TCP echo of the same ${payload.length}-byte frame, 64 in flight, same write coalescing (the ceiling)`, m);
