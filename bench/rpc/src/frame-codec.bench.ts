import { encodeFrame, FrameDecoder } from '@msec/rpc';
import { benchSeconds, measureSync, report } from './bench-kit.js';
import { Echo } from './echo-service.js';

const decoder = new FrameDecoder();
let seq = 0;
let sink = 0;
const m = measureSync(() => {
  const body = Echo.request.encode({ text: 'hello msec', seq });
  const frame = encodeFrame({ sequence: seq++, methodName: Echo.name, caller: 'bench.Client', flowId: 123456, deadlineMs: 1000 }, body);
  for (const f of decoder.push(frame)) sink += Echo.request.decode(f.body).seq;
}, benchSeconds() * 1000);
if (sink < 0) console.log(sink);
report('frame-codec', 'encode + decode one request frame and its protobuf body, in process (no sockets)', m);
