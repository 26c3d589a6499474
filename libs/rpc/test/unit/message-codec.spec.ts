import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs';
import { protobufCodec } from '../../src/index.js';

const root = protobuf.Root.fromJSON({
  nested: {
    t: {
      nested: {
        Item: {
          fields: { id: { type: 'int64', id: 1 }, title: { type: 'string', id: 2 }, tags: { rule: 'repeated', type: 'string', id: 3 } },
        },
      },
    },
  },
});
const codec = protobufCodec<{ id: number; title: string; tags: string[] }>(root.lookupType('t.Item'));

describe('message codec', () => {
  it('message codec - the transient encoding has the same bytes as encode, and is reused by the next call', () => {
    const a = { id: 2 ** 40, title: 'größe', tags: ['x', 'y'] };
    const first = Buffer.from(codec.encodeTransient!(a));
    assert.deepEqual(first, Buffer.from(codec.encode(a)));
    const big = { id: 1, title: 'z'.repeat(100_000), tags: [] };
    assert.deepEqual(Buffer.from(codec.encodeTransient!(big)), Buffer.from(codec.encode(big)));
    assert.deepEqual(Buffer.from(codec.encodeTransient!(a)), first);
  });

  it('message codec - the shared encoding names the same bytes as encode without making a view', () => {
    const into = { bytes: new Uint8Array(0), length: 0 };
    for (const m of [
      { id: 3, title: 'größe', tags: ['x'] },
      { id: 1, title: 'z'.repeat(100_000), tags: [] },
      { id: 0, title: '', tags: [] },
    ]) {
      codec.encodeShared!(m, into);
      assert.deepEqual(Buffer.from(into.bytes.subarray(0, into.length)), Buffer.from(codec.encode(m)));
    }
  });

  it('message codec - decodeRange reads a body in the middle of a buffer like decode reads it alone', () => {
    const body = Buffer.from(codec.encode({ id: 7, title: 't', tags: ['a'] }));
    const framed = Buffer.concat([Buffer.from([9, 9, 9]), body, Buffer.from([8, 8])]);
    assert.deepEqual({ ...codec.decodeRange!(framed, 3, 3 + body.length) }, { ...codec.decode(body) });
    assert.throws(() => codec.decodeRange!(framed, 3, 3 + body.length - 2));
  });

  it('message codec - a failed transient encode leaves the codec usable', () => {
    const exploding = {
      id: 1,
      title: 'half written',
      get tags(): string[] {
        throw new Error('boom');
      },
    };
    assert.throws(() => codec.encodeTransient!(exploding), /boom/);
    assert.deepEqual(
      Buffer.from(codec.encodeTransient!({ id: 1, title: 'ok', tags: [] })),
      Buffer.from(codec.encode({ id: 1, title: 'ok', tags: [] })),
    );
  });
});
