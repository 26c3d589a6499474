import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHead, encodeFrame, FrameDecoder, frameSizeBound, FRAME_OVERHEAD, writeFrame, type RpcHead } from '../../src/index.js';

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

  it('frame codec - writeFrame packs frames back to back within frameSizeBound, byte for byte as encodeFrame', () => {
    const heads: RpcHead[] = [
      { sequence: 1, methodName: 'a.B.c', traceId: 't', spanId: 's', deadlineMs: 1_000, flowId: 2 ** 45 },
      { sequence: 2 ** 40, methodName: 'a.B.c', errMsg: 'fehlgeschlagen: ü', err: -1004, errRetryable: false },
    ];
    const bodies = [Buffer.from('x'.repeat(100)), Buffer.from('')];
    const out = Buffer.alloc(frameSizeBound(heads[0]!, bodies[0]!) + frameSizeBound(heads[1]!, bodies[1]!));
    let pos = 0;
    for (let i = 0; i < heads.length; i++) pos = writeFrame(heads[i]!, bodies[i]!, out, pos);
    assert.deepEqual(out.subarray(0, pos), Buffer.concat(heads.map((h, i) => encodeFrame(h, bodies[i]!))));
    const decoder = new FrameDecoder();
    assert.equal(decoder.decode(out.subarray(0, pos)), 2);
    assert.equal(decoder.heads[1]!.errMsg, 'fehlgeschlagen: ü');
    assert.equal(decoder.bytes.subarray(decoder.bodyStarts[0], decoder.bodyEnds[0]).toString(), 'x'.repeat(100));
  });

  it('frame codec - a bad frame after good ones in the same chunk still fails the stream, and a bad head does too', () => {
    const garbage = Buffer.concat([frameOf(1, 'a'), Buffer.from([0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9])]);
    assert.throws(() => new FrameDecoder().decode(garbage), { code: 'RPC_FRAME_INVALID' });
    // A head whose string field claims more bytes than the head has.
    const head = Buffer.from([0x50, 0x01, 0x9a, 0x03, 0x20, 0x61]);
    const frame = Buffer.concat([Buffer.from([0x28, 0, 0, 0, head.length, 0, 0, 0, 0]), head, Buffer.from([0x29])]);
    assert.throws(() => new FrameDecoder().decode(frame), { code: 'RPC_HEAD_INVALID' });
  });

  it('frame codec - heads of decoded frames give the same ids as decodeHead, read lazily, and take assignments', () => {
    const head: RpcHead = { sequence: 9, methodName: 'a.B.c', traceId: 't-ü-1', spanId: 's2', parentSpanId: 'p3', caller: 'x.Y' };
    const frame = encodeFrame(head, Buffer.from('body'));
    const decoded = new FrameDecoder().push(frame)[0]!.head;
    const eager = decodeHead(frame, 9, 9 + frame.readUInt32BE(1));
    assert.deepEqual([decoded.traceId, decoded.spanId, decoded.parentSpanId], ['t-ü-1', 's2', 'p3']);
    assert.deepEqual([eager.traceId, eager.spanId, eager.parentSpanId, eager.caller], ['t-ü-1', 's2', 'p3', 'x.Y']);
    decoded.spanId = 'changed';
    assert.equal(decoded.spanId, 'changed');
    assert.equal(new FrameDecoder().push(encodeFrame({ sequence: 1, methodName: 'a.B.c' }, Buffer.alloc(0)))[0]!.head.traceId, undefined);
  });

  it('frame codec - writes only the first bodyLength bytes of the body when given', () => {
    const body = Buffer.from('hello-and-garbage');
    const out = Buffer.alloc(256);
    const end = writeFrame({ sequence: 4, methodName: 'a.B.c' }, body, out, 0, 5);
    assert.deepEqual(out.subarray(0, end), encodeFrame({ sequence: 4, methodName: 'a.B.c' }, body.subarray(0, 5)));
    assert.ok(end <= frameSizeBound({ sequence: 4, methodName: 'a.B.c' }, body, 5));
  });
});

describe('frame reassembly', () => {
  it('frame codec - a large frame arriving in small reads is copied together once, not on every read', () => {
    const body = Buffer.alloc(1024 * 1024, 7);
    const frame = encodeFrame({ sequence: 9, methodName: 'a.B.C' }, body);
    const decoder = new FrameDecoder(4 * 1024 * 1024);
    let frames = 0;
    for (let at = 0; at < frame.length; at += 2048) frames += decoder.decode(frame.subarray(at, Math.min(frame.length, at + 2048)));
    assert.equal(frames, 1);
    assert.equal(decoder.bodyEnds[0]! - decoder.bodyStarts[0]!, body.length);
    assert.ok(decoder.joins <= 2, `held-back bytes joined ${decoder.joins} times for ${Math.ceil(frame.length / 2048)} reads`);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('frame codec - an oversize frame is refused from its first 9 bytes, even when they arrive one at a time', () => {
    const header = Buffer.alloc(9);
    header[0] = 0x28;
    header.writeUInt32BE(10, 1);
    header.writeUInt32BE(8 * 1024 * 1024, 5);
    const decoder = new FrameDecoder(4 * 1024 * 1024);
    for (let i = 0; i < 8; i++) decoder.decode(header.subarray(i, i + 1));
    assert.throws(() => decoder.decode(header.subarray(8, 9)), /RPC_FRAME_TOO_LARGE|exceeds maxFrameBytes/);
  });
});
