import { FrameDecoder, frameSizeBound, writeFrame, type RpcHead } from '@msec/rpc';
import { benchSeconds, measureSync, report } from './bench-kit.js';
import { Echo } from './echo-service.js';

// What the runtime does per request frame: encode the body into the codec's writer, write the frame into the
// socket's output slab, split it out of the read bytes and decode the body in place.
const decoder = new FrameDecoder();
const slab = Buffer.allocUnsafe(64 * 1024);
let at = 0;
let seq = 0;
let sink = 0;
const m = measureSync(() => {
  const body = Echo.request.encodeTransient!({ text: 'hello msec', seq });
  const head: RpcHead = { sequence: seq++, methodName: Echo.name, caller: 'bench.Client', flowId: 123456, deadlineMs: 1000 };
  if (at + frameSizeBound(head, body) > slab.length) at = 0;
  const end = writeFrame(head, body, slab, at);
  const n = decoder.decode(slab.subarray(at, end));
  at = end;
  for (let i = 0; i < n; i++) sink += Echo.request.decodeRange!(decoder.bytes, decoder.bodyStarts[i]!, decoder.bodyEnds[i]!).seq;
}, benchSeconds() * 1000);
if (sink < 0) console.log(sink);
report('frame-codec', 'encode + decode one request frame and its protobuf body as the runtime does, in process (no sockets)', m);
