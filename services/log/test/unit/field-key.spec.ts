import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statementRows } from '../../src/ingest/log-writer.js';
import { FieldKeyCache, fieldKey, fieldText } from '../../src/storage/field-key.js';

describe('field keys', () => {
  it('field keys - are 52-bit safe integers of SHA-1 over name NUL value, the same from the memo', () => {
    // First 13 hex digits of sha1("user\0bison").
    assert.equal(fieldKey('user', 'bison'), 0xe4e54c71d946a);
    const cache = new FieldKeyCache(2);
    for (const [name, value] of [
      ['user', 'bison'],
      ['user', 'ant'],
      ['city', '深圳'],
      ['user', 'bison'],
    ] as const) {
      const key = cache.key(name, value);
      assert.equal(key, fieldKey(name, value));
      assert.ok(Number.isSafeInteger(key) && key >= 0 && key < 2 ** 52);
    }
    assert.notEqual(fieldKey('user', 'bison'), fieldKey('user', 'Bison'));
    assert.notEqual(fieldKey('ab', 'c'), fieldKey('a', 'bc'));
  });

  it('field keys - values are matched as text, cut at 255 characters', () => {
    assert.equal(fieldText(42), '42');
    assert.equal(fieldText(true), 'true');
    assert.equal(fieldText(null), '');
    assert.equal(fieldText('x'.repeat(300)), 'x'.repeat(255));
  });

  it('log writer - statements carry a power of two rows, at most 2,048', () => {
    assert.deepEqual([1, 2, 3, 5, 1000, 1024, 1025, 2000, 2048].map(statementRows), [1, 2, 4, 8, 1024, 1024, 2048, 2048, 2048]);
  });
});
