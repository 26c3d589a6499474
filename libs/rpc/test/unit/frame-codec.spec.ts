import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, FRAME_OVERHEAD } from '../../src/index.js';

const frameOf = (sequence: number, body: string): Buffer => encodeFrame({ sequence, methodName: 'a.B.c' }, Buffer.from(body));

describe('frame codec', () => {
  it('frame codec - writes ( u32 u32 head body ) big-endian', () => {
    const frame = frameOf(1, 'xy');
    assert.equal(frame[0], 0x28);
    assert.equal(frame[frame.length - 1], 0x29);
    const hlen = frame.readUInt32BE(1);
    assert.equal(frame.readUInt32BE(5), 2);
    assert.equal(frame.length, FRAME_OVERHEAD + hlen + 2);
  });

  it('frame codec - decodes frames fed one byte at a time', () => {
    const stream = Buffer.concat([frameOf(1, 'first'), frameOf(2, ''), frameOf(3, 'third')]);
    const decoder = new FrameDecoder();
    const seen: Array<[number, string]> = [];
    for (let i = 0; i < stream.length; i++) {
      for (const f of decoder.push(stream.subarray(i, i + 1))) seen.push([f.head.sequence, f.body.toString()]);
    }
    assert.deepEqual(seen, [
      [1, 'first'],
      [2, ''],
      [3, 'third'],
    ]);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('frame codec - decodes many frames from one chunk and keeps the partial tail', () => {
    const whole = Buffer.concat([frameOf(1, 'a'), frameOf(2, 'b')]);
    const tail = frameOf(3, 'c');
    const decoder = new FrameDecoder();
    const frames = decoder.push(Buffer.concat([whole, tail.subarray(0, 4)]));
    assert.deepEqual(
      frames.map((f) => f.head.sequence),
      [1, 2],
    );
    assert.equal(decoder.bufferedBytes, 4);
    assert.deepEqual(
      decoder.push(tail.subarray(4)).map((f) => f.body.toString()),
      ['c'],
    );
  });

  it('frame codec - rejects a bad start byte, a bad end byte and an oversized frame', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from('GET / HTTP/1.1\r\n')), { code: 'RPC_FRAME_INVALID' });
    const bad = frameOf(1, 'x');
    bad[bad.length - 1] = 0;
    assert.throws(() => new FrameDecoder().push(bad), { code: 'RPC_FRAME_INVALID' });
    assert.throws(() => new FrameDecoder(64).push(frameOf(1, 'x'.repeat(100)).subarray(0, 9)), { code: 'RPC_FRAME_TOO_LARGE' });
  });
});
