import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { idLength, idText, MAX_ID_LENGTH, newId, nextId, writeIdText } from '../../src/ids.js';
import { decodeHead, encodeHead, headSize, headSizeBound, type RpcHead } from '../../src/index.js';
import type { OutgoingHead } from '../../src/rpc-head.js';

describe('ids', () => {
  it('ids - the bytes written for an id number are its text, small to the largest safe integer', () => {
    const edges = [1, 2, 3, 4, 5, 6].flatMap((d) => [36 ** d - 1, 36 ** d]);
    for (const n of [0, 1, ...edges, 123_456_789, 0x7fff_ffff, 0x8000_0000, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
      const text = idText(n);
      assert.equal(idLength(n), text.length);
      assert.ok(text.length <= MAX_ID_LENGTH);
      const buf = Buffer.alloc(40);
      assert.equal(writeIdText(buf, 3, n), 3 + text.length);
      assert.equal(buf.toString('latin1', 3, 3 + text.length), text);
    }
  });

  it('ids - new ids are unique and share the process prefix', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    assert.equal(new Set(ids).size, 1000);
    assert.ok(ids.every((id) => id.slice(0, 12) === ids[0]!.slice(0, 12) && /^[0-9a-f]{12}[0-9a-z]+$/.test(id)));
  });

  it('ids - a head with ids by number goes on the wire as their text', () => {
    const traceNo = nextId();
    const spanNo = nextId();
    const head: OutgoingHead = { sequence: 5, methodName: 'a.B.c', traceNo, spanNo, parentSpanId: 'p1' };
    const bytes = encodeHead(head);
    assert.equal(bytes.length, headSize(head));
    assert.ok(bytes.length <= headSizeBound(head));
    const decoded: RpcHead = decodeHead(bytes);
    assert.equal(decoded.traceId, idText(traceNo));
    assert.equal(decoded.spanId, idText(spanNo));
    assert.equal(decoded.parentSpanId, 'p1');
    // Text wins over a number when both are there.
    assert.equal(decodeHead(encodeHead({ ...head, traceId: 'given' })).traceId, 'given');
  });
});
