import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MsecError } from '@msec/contracts';
import { decodeCursor, encodeCursor, likeContains, validateLogQuery } from '../../src/query/log-query.domain.js';
import { multiRowInsert } from '../../src/storage/sql-dialect.js';

describe('log query validation', () => {
  it('query - an empty request means every line, 100 per page', () => {
    assert.deepEqual(validateLogQuery(undefined), { fields: [], limit: 100 });
  });

  it('query - cursors round-trip and foreign strings are refused', () => {
    assert.deepEqual(decodeCursor(encodeCursor(1700000000000, 'abc')), { ts: 1700000000000, id: 'abc' });
    assert.equal(decodeCursor('not-a-cursor'), undefined);
    assert.equal(decodeCursor(Buffer.from('["x","y"]').toString('base64url')), undefined);
  });

  it('query - LIKE wildcards in the text are escaped', () => {
    assert.equal(likeContains('100%_a!b'), '%100!%!_a!!b%');
  });

  it('query - numbers and booleans in field filters are compared as text', () => {
    assert.deepEqual(
      validateLogQuery({
        fields: [
          { name: 'n', value: 8 },
          { name: 'vip', value: true },
        ],
      }).fields,
      [
        { name: 'n', value: '8' },
        { name: 'vip', value: 'true' },
      ],
    );
  });

  it('query - each bad input names its field', () => {
    const cases: Array<[unknown, string]> = [
      [{ sql: 'x' }, 'sql'],
      [{ from: -1 }, 'from'],
      [{ from: 5, to: 5 }, 'to'],
      [{ service: 3 }, 'service'],
      [{ levels: [] }, 'levels'],
      [{ minLevel: 'LOUD' }, 'minLevel'],
      [{ fields: new Array(6).fill({ name: 'a', value: 'b' }) }, 'fields'],
      [{ fields: [{ name: 'a', value: {} }] }, 'fields[0].value'],
      [{ limit: 0 }, 'limit'],
      [{ text: 'x'.repeat(201) }, 'text'],
      ['nope', 'query'],
    ];
    for (const [input, field] of cases) {
      assert.throws(
        () => validateLogQuery(input),
        (error: unknown) => error instanceof MsecError && error.data?.field === field,
        field,
      );
    }
  });

  it('storage - a multi-row insert skips existing keys on each dialect', () => {
    assert.equal(multiRowInsert('sqlite', 't', ['a', 'b'], 2), 'INSERT OR IGNORE INTO t (a,b) VALUES (?,?),(?,?)');
    assert.equal(multiRowInsert('mysql', 't', ['a'], 1), 'INSERT IGNORE INTO t (a) VALUES (?)');
  });
});
