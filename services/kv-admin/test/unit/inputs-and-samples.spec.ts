import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MsecError } from '@msec/contracts';
import { parseNodeList } from '../../src/redis/node-address.js';
import { monitorServiceOf, sampleFromInfo, sampleStatItems } from '../../src/monitoring/node-sample.js';
import { parseSlowlog } from '../../src/monitoring/slowlog.reader.js';

test('node addresses - accept host:port lists and name the bad entry', () => {
  assert.deepEqual(parseNodeList(['127.0.0.1:7000', 'redis-a.local:6379'], 'seeds'), ['127.0.0.1:7000', 'redis-a.local:6379']);
  for (const bad of [['127.0.0.1'], ['127.0.0.1:0'], ['a b:1'], ['x:1', 'x:1'], []]) {
    assert.throws(
      () => parseNodeList(bad, 'seeds'),
      (e: MsecError) => e.code === 'VALIDATION_FAILED' && String(e.data?.field).startsWith('seeds'),
    );
  }
});

const INFO = [
  '# Server',
  'role:master',
  'instantaneous_ops_per_sec:120',
  'used_memory:2048',
  'connected_clients:7',
  'keyspace_hits:90',
  'keyspace_misses:10',
  'master_repl_offset:555',
  '# Keyspace',
  'db0:keys=42,expires=1,avg_ttl=0',
].join('\r\n');

test('node sample - reads INFO and computes the hit ratio since the previous sample', () => {
  const first = sampleFromInfo('main', '127.0.0.1:1', 'id1', INFO, undefined, new Date(0));
  assert.deepEqual(
    {
      ops: first.sample.opsPerSec,
      mem: first.sample.usedMemoryBytes,
      keys: first.sample.keys,
      clients: first.sample.clients,
      hit: first.sample.hitRatio,
      off: first.sample.replicationOffset,
    },
    { ops: 120, mem: 2048, keys: 42, clients: 7, hit: 0.9, off: 555 },
  );
  const later = INFO.replace('keyspace_hits:90', 'keyspace_hits:100').replace('keyspace_misses:10', 'keyspace_misses:20');
  assert.equal(sampleFromInfo('main', '127.0.0.1:1', 'id1', later, first.counters, new Date(0)).sample.hitRatio, 0.5);
  assert.equal(sampleFromInfo('main', '127.0.0.1:1', 'id1', INFO, first.counters, new Date(0)).sample.hitRatio, null);
});

test('node sample - becomes monitor attributes of service KV.<cluster>', () => {
  const { sample } = sampleFromInfo('main.eu', '127.0.0.1:1', 'id1', INFO, undefined, new Date(120_000));
  assert.equal(monitorServiceOf('main.eu'), 'KV.main_eu');
  const items = sampleStatItems(sample);
  assert.deepEqual(
    items.find((i) => i[0] === 'kv.hit_ratio_pct'),
    ['kv.hit_ratio_pct', 2, 'avg', 90, 1],
  );
  assert.deepEqual(
    items.map((i) => i[0]),
    ['kv.ops_per_sec', 'kv.used_memory_bytes', 'kv.keys', 'kv.clients', 'kv.repl_offset', 'kv.hit_ratio_pct'],
  );
});

test('slowlog - parses SLOWLOG GET entries', () => {
  const [entry] = parseSlowlog('n:1', [[7, 1700000000, 15000, ['KEYS', '*'], '127.0.0.1:5000', '']]);
  assert.deepEqual(entry, {
    node: 'n:1',
    id: 7,
    at: '2023-11-14T22:13:20.000Z',
    durationMicros: 15000,
    command: ['KEYS', '*'],
    client: '127.0.0.1:5000',
  });
});
