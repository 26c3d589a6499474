import { connect } from 'node:net';
import { encodeFrame } from '@msec/rpc';
import { Echo } from './echo-service.js';

/**
 * The same bytes an msec echo request puts on the wire, echoed back untouched; order is kept, so a FIFO of
 * waiters matches replies without parsing anything but the length.
 */
export const RAW_PAYLOAD = encodeFrame(
  { sequence: 1, methodName: Echo.name, caller: 'bench.Client', deadlineMs: 1000 },
  Echo.request.encode({ text: 'hello msec', seq: 1 }),
);

const SLAB_BYTES = 64 * 1024;

/**
 * A raw TCP echo client with the msec client's write coalescing: each call copies its frame into a shared
 * buffer and everything queued in one tick leaves in one write. `call()` resolves when its bytes come back.
 */
export async function connectRawEcho(port: number): Promise<{ call(): Promise<void>; close(): void }> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const waiters: Array<() => void> = [];
  let buffered = 0;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.length;
    while (buffered >= RAW_PAYLOAD.length) {
      buffered -= RAW_PAYLOAD.length;
      waiters.shift()!();
    }
  });
  let out = Buffer.allocUnsafeSlow(SLAB_BYTES);
  let start = 0;
  let end = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (end > start) socket.write(out.subarray(start, end));
    start = end;
  };
  const call = (): Promise<void> =>
    new Promise<void>((resolve) => {
      waiters.push(resolve);
      if (end + RAW_PAYLOAD.length > out.length) {
        flush();
        out = Buffer.allocUnsafeSlow(SLAB_BYTES);
        start = end = 0;
      }
      RAW_PAYLOAD.copy(out, end);
      end += RAW_PAYLOAD.length;
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
    });
  return { call, close: () => socket.destroy() };
}
