import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHead, encodeHead, headSize, headSizeBound, HeadField, type RpcHead } from '../../src/index.js';

describe('rpc head', () => {
  it('rpc head - round-trips every field', () => {
    const head: RpcHead = {
      sequence: 2 ** 52 + 7,
      methodName: 'Flight.mod_flight.Query',
      coloring: 1,
      colorId: 2 ** 40,
      flowId: 123456789012,
      err: -1004,
      result: 3,
      errMsg: 'no such method: ü',
      caller: 'Flight.mod_gateway',
      callerStack: 'A.a->B.b',
      errCode: 'RPC_METHOD_NOT_FOUND',
      errStatus: 404,
      errRetryable: true,
      errData: '{"method":"x"}',
      deadlineMs: 950,
      traceId: 'a1b2c3d4e5f6z',
      spanId: 'a1b2c3d4e5f6y',
      parentSpanId: 'a1b2c3d4e5f6x',
      traced: 1,
      version: 1,
    };
    const bytes = encodeHead(head);
    assert.equal(bytes.length, headSize(head));
    assert.ok(bytes.length <= headSizeBound(head));
    assert.deepEqual(decodeHead(bytes), head);
  });

  it('rpc head - an untraced decision (0) travels as such, distinct from no decision', () => {
    assert.equal(decodeHead(encodeHead({ sequence: 1, methodName: 'a.B.c', traced: 0 })).traced, 0);
    assert.equal(decodeHead(encodeHead({ sequence: 1, methodName: 'a.B.c' })).traced, undefined);
  });

  it('rpc head - absent fields decode as undefined, and non-ASCII text round-trips', () => {
    const decoded = decodeHead(encodeHead({ sequence: 3, methodName: 'a.B.c', errMsg: 'größe 😀 ok', caller: 'dienst-ä' }));
    assert.equal(decoded.errMsg, 'größe 😀 ok');
    assert.equal(decoded.caller, 'dienst-ä');
    assert.equal(decoded.traceId, undefined);
    assert.equal(decoded.err, undefined);
    assert.equal(decoded.errRetryable, undefined);
  });

  it('rpc head - repeated names decode to the same text whatever else shares the cache', () => {
    const names = Array.from({ length: 600 }, (_, i) => `pkg.Service${i % 7}.Method${i}`);
    for (const name of names)
      assert.equal(decodeHead(encodeHead({ sequence: 1, methodName: name, caller: name.slice(4) })).methodName, name);
    for (const name of names.slice(0, 50)) assert.equal(decodeHead(encodeHead({ sequence: 1, methodName: name })).methodName, name);
  });

  it('rpc head - decodes from the middle of a larger buffer and from a plain Uint8Array', () => {
    const head = encodeHead({ sequence: 42, methodName: 'x.Y.z', traceId: 't1' });
    const framed = Buffer.concat([Buffer.from([1, 2, 3]), head, Buffer.from([4, 5])]);
    assert.equal(decodeHead(framed, 3, 3 + head.length).traceId, 't1');
    assert.equal(decodeHead(new Uint8Array(head)).sequence, 42);
  });

  it('rpc head - keeps MSEC field numbers so original peers can read it', () => {
    const bytes = encodeHead({ sequence: 1, methodName: 'a.B.c' });
    // field 10 varint → tag 0x50; field 51 length-delimited → tag 0x9a 0x03
    assert.deepEqual([...bytes], [0x50, 0x01, 0x9a, 0x03, 5, ...Buffer.from('a.B.c')]);
    assert.equal(HeadField.methodName, 51);
  });

  it('rpc head - skips unknown fields of every wire type', () => {
    const known = encodeHead({ sequence: 9, methodName: 'a.B.c' });
    const varint = (n: number): number[] => {
      const out: number[] = [];
      while (n > 0x7f) {
        out.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      out.push(n);
      return out;
    };
    const unknown = Buffer.from([
      ...varint((99 << 3) | 0),
      ...varint(300),
      ...varint((100 << 3) | 1),
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      ...varint((101 << 3) | 2),
      2,
      0x61,
      0x62,
      ...varint((102 << 3) | 5),
      9,
      9,
      9,
      9,
    ]);
    const decoded = decodeHead(Buffer.concat([unknown, known]));
    assert.equal(decoded.sequence, 9);
    assert.equal(decoded.methodName, 'a.B.c');
  });

  it('rpc head - rejects a head without a sequence, and a truncated one', () => {
    assert.throws(() => decodeHead(Buffer.from([0x9a, 0x03, 1, 0x61])), { code: 'RPC_HEAD_INVALID' });
    const bytes = encodeHead({ sequence: 1, methodName: 'a.B.c' });
    assert.throws(() => decodeHead(bytes.subarray(0, bytes.length - 2)), { code: 'RPC_HEAD_INVALID' });
  });
});
