import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readConfigValues } from '../../src/config/config-text.js';

describe('sdk config text', () => {
  it('config text - name = value lines with sections, comments and quotes', () => {
    const values = readConfigValues('# fares\nfare = RMB999\n; old\n[db]\nhost: 10.0.0.1\nurl = "mysql://a:b@h/db?x=1"\n\nbroken line\n');
    assert.deepEqual(Object.fromEntries(values), { fare: 'RMB999', 'db.host': '10.0.0.1', 'db.url': 'mysql://a:b@h/db?x=1' });
  });

  it('config text - a JSON object gives its members by dotted path, typed as in the JSON', () => {
    const values = readConfigValues('{"timeoutMs": 250, "db": {"host": "h", "pool": {"max": 8}}, "tags": ["a"]}');
    assert.equal(values.get('timeoutMs'), 250);
    assert.equal(values.get('db.host'), 'h');
    assert.equal(values.get('db.pool.max'), 8);
    assert.deepEqual(values.get('db'), { host: 'h', pool: { max: 8 } });
    assert.deepEqual(values.get('tags'), ['a']);
  });

  it('config text - text that only looks like JSON is read as lines', () => {
    assert.deepEqual(Object.fromEntries(readConfigValues('{ not json\nretries = 2')), { retries: '2' });
  });
});
