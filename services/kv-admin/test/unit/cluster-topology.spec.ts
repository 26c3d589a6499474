import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KvNodeView } from '@msec/contracts';
import { checkCluster } from '../../src/topology/cluster-check.js';
import { parseClusterNodes, parseClusterShards, toRanges } from '../../src/topology/cluster-nodes-parser.js';
import { assignRoles } from '../../src/operations/handlers/create-cluster.handler.js';

const NODES = [
  'aaa 10.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [5461-<-bbb]',
  'bbb 10.0.0.2:7000@17000 master - 0 1700000000000 2 connected 5461-10922 [5461->-aaa]',
  'ccc 10.0.0.3:7000@17000,redis-c master - 0 1700000000000 3 connected 10923-16383',
  'ddd 10.0.0.2:7001@17001 slave aaa 0 1700000000000 1 connected',
  'eee 10.0.0.3:7001@17001 slave,fail? bbb 1700000000000 1700000000000 2 disconnected',
].join('\n');

test('cluster nodes parser - reads roles, slot ranges, open slots, link state and replicas', () => {
  const nodes = parseClusterNodes(NODES);
  const [a, b, c, d, e] = nodes;
  assert.equal(a!.role, 'master');
  assert.deepEqual(a!.slots, [{ start: 0, end: 5460 }]);
  assert.deepEqual(a!.importing, [{ slot: 5461, from: 'bbb' }]);
  assert.deepEqual(b!.migrating, [{ slot: 5461, to: 'aaa' }]);
  assert.equal(c!.address, '10.0.0.3:7000');
  assert.equal(c!.slotCount, 5461);
  assert.equal(d!.role, 'replica');
  assert.equal(d!.masterId, 'aaa');
  assert.deepEqual(a!.replicaIds, ['ddd']);
  assert.equal(e!.failing, true);
  assert.equal(e!.linkState, 'disconnected');
  assert.equal(b!.configEpoch, 2);
});

test('cluster shards parser - reads replication offset and health per node id', () => {
  const reply = [
    [
      'slots',
      [0, 5460],
      'nodes',
      [['id', 'aaa', 'port', 7000, 'ip', '10.0.0.1', 'role', 'master', 'replication-offset', 42, 'health', 'online']],
    ],
  ];
  assert.deepEqual(parseClusterShards(reply).get('aaa'), { replicationOffset: 42, health: 'online' });
});

test('cluster check - reports open slots, failing nodes and replica spread', () => {
  const nodes = parseClusterNodes(NODES);
  const report = checkCluster({ cluster: 'c', clusterState: 'ok', views: new Map([['10.0.0.1:7000', nodes]]) });
  assert.equal(report.ok, false);
  assert.deepEqual(report.openSlots, [{ node: '10.0.0.1:7000', slot: 5461, state: 'importing', peer: 'bbb' }]);
  assert.equal(report.coveredSlots, 16384);
  assert.ok(report.errors.some((e) => e.includes('10.0.0.3:7001')));
  assert.ok(report.warnings.some((w) => w.includes('master 10.0.0.3:7000 holds 5461 slots and has no replica')));
  assert.ok(report.warnings.some((w) => w.includes('master 10.0.0.2:7000 holds 5462 slots and has no replica')));
});

test('cluster check - finds uncovered slots, disagreement, and most masters on one host', () => {
  const mine = parseClusterNodes(
    ['a 127.0.0.1:1@2 myself,master - 0 0 1 connected 0-100', 'b 127.0.0.1:2@3 master - 0 0 2 connected 101-200'].join('\n'),
  );
  const theirs = parseClusterNodes(
    ['a 127.0.0.1:1@2 master - 0 0 1 connected 0-99', 'b 127.0.0.1:2@3 myself,master - 0 0 2 connected 100-200'].join('\n'),
  );
  const report = checkCluster({
    cluster: 'c',
    clusterState: 'fail',
    views: new Map<string, KvNodeView[] | Error>([
      ['127.0.0.1:1', mine],
      ['127.0.0.1:2', theirs],
      ['127.0.0.1:3', new Error('refused')],
    ]),
  });
  assert.equal(report.nodesAgree, false);
  assert.deepEqual(report.uncoveredSlots, [{ start: 201, end: 16383 }]);
  assert.deepEqual(report.unreachable, ['127.0.0.1:3']);
  assert.ok(report.warnings.some((w) => w.includes('2 of 2 masters run on host 127.0.0.1')));
});

test('slot ranges - compacts slot numbers', () => {
  assert.deepEqual(toRanges([5, 1, 2, 3, 9, 10]), [
    { start: 1, end: 3 },
    { start: 5, end: 5 },
    { start: 9, end: 10 },
  ]);
});

test('create cluster - masters spread over hosts and replicas avoid their master host', () => {
  const { masters, replicas } = assignRoles(['h1:1', 'h1:2', 'h2:1', 'h2:2', 'h3:1', 'h3:2'], 1);
  assert.deepEqual(masters, ['h1:1', 'h2:1', 'h3:1']);
  assert.equal(replicas.length, 3);
  for (const r of replicas) assert.notEqual(r.address.split(':')[0], r.master.split(':')[0]);
});
