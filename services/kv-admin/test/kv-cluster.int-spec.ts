import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import type { Cluster } from 'ioredis';
import { Redis } from 'ioredis';
import {
  KvSubjects,
  MsecError,
  type KvCheckReport,
  type KvKeyInspection,
  type KvNodeSample,
  type KvOperationStarted,
  type KvOperationView,
  type KvProgressEvent,
  type KvSlowlogEntry,
  type KvTopology,
  type StatsBatch,
  NatsRole,
} from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, startRedis, startRedisNodes, type InfraServer, type RedisNodes, type NatsTestServer } from '@msec/testing';
import { KvAdminProcess, Writer, clusterClient, missingKeys, waitOperation, writeKeys } from './helpers/kv-harness.js';

const KEYS = 100_000;
const NAME = 'main';

let nats: NatsTestServer;
let bull: InfraServer;
let plain: InfraServer;
let six: RedisNodes;
let extra: RedisNodes;
let nc: NatsConnection;
let dataDir: string;
let kvAdmin: KvAdminProcess;
let client: Cluster;
let bulk: Cluster;
let writerKeys = 0;
let writer: Writer | undefined;

const request = <T>(subject: string, data: unknown): Promise<T> => natsRequest<T>(nc, subject, data, 10_000);
const topology = (): Promise<KvTopology> => request<KvTopology>(KvSubjects.clustersTopology, { cluster: NAME });

/** The topology once every node reports itself online with a replication offset, or the last one seen at the deadline. */
async function settledTopology(withinMs: number): Promise<KvTopology> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const view = await topology();
    const settled = view.nodes.every((n) => typeof n.replicationOffset === 'number' && n.health === 'online');
    if (settled || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Open (migrating/importing) slots the nodes report right now. */
async function openSlotsNow(addresses: string[]): Promise<number> {
  let open = 0;
  for (const address of addresses) {
    const raw = new Redis({ host: address.split(':')[0], port: Number(address.split(':')[1]) });
    try {
      const myself = String(await raw.call('CLUSTER', 'NODES'))
        .split('\n')
        .find((l) => l.includes('myself'));
      open += (myself?.match(/\[/g) ?? []).length;
    } finally {
      raw.disconnect();
    }
  }
  return open;
}

before(async () => {
  [nats, bull, six, extra, plain] = await Promise.all([
    startNats(),
    startRedis(),
    startRedisNodes(6),
    startRedisNodes(1),
    startRedis({ password: null }),
  ]);
  nc = await nats.connect();
  dataDir = mkdtempSync(join(tmpdir(), 'msec-test-kv-admin-'));
  kvAdmin = new KvAdminProcess({
    ...(await nats.envFor(NatsRole.kvAdmin)),
    MSEC_REDIS_URL: bull.url,
    MSEC_DATA_DIR: dataDir,
    MSEC_DB_URL: '',
    MSEC_KV_JOB_LOCK_MS: '2000',
    MSEC_KV_SAMPLE_SECONDS: '1',
  });
  await kvAdmin.start(nc);
});

after(async () => {
  await writer?.stop();
  client?.disconnect();
  bulk?.disconnect();
  await kvAdmin?.kill();
  await nc?.close();
  await Promise.all([six?.dispose(), extra?.dispose(), bull?.dispose(), plain?.dispose(), nats?.dispose()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('kv - creates a 3-master, 3-replica cluster from empty nodes', { timeout: 30_000 }, async () => {
  const started = await request<KvOperationStarted>(KvSubjects.clustersCreate, { name: NAME, nodes: six.addresses, replicasPerMaster: 1 });
  await waitOperation(nc, started);
  const view = await topology();
  const masters = view.nodes.filter((n) => n.role === 'master');
  assert.equal(masters.length, 3);
  assert.equal(view.nodes.filter((n) => n.role === 'replica').length, 3);
  assert.deepEqual(
    masters.map((m) => m.replicaIds.length),
    [1, 1, 1],
  );
  assert.equal(
    masters.reduce((sum, m) => sum + m.slotCount, 0),
    16384,
  );
  const check = await request<KvCheckReport>(KvSubjects.clustersCheck, { cluster: NAME });
  assert.deepEqual(check.errors, []);
  assert.equal(check.ok, true);
  assert.ok(
    check.warnings.some((w) => /3 of 3 masters run on host 127\.0\.0\.1/.test(w)),
    check.warnings.join('\n'),
  );
});

test('kv - rejects bad input naming the field, and destructive requests without confirm', async () => {
  await assert.rejects(
    request(KvSubjects.clustersRegister, { name: 'x', seeds: ['nohost'] }),
    (e: MsecError) => e.code === 'VALIDATION_FAILED' && e.data?.field === 'seeds[0]',
  );
  await assert.rejects(
    request(KvSubjects.slotsRebalance, { cluster: NAME, confirm: 'other' }),
    (e: MsecError) => e.code === 'KV_CONFIRM_MISMATCH',
  );
  await assert.rejects(
    request(KvSubjects.nodesRemove, { cluster: NAME, node: six.addresses[0] }),
    (e: MsecError) => e.code === 'KV_CONFIRM_MISMATCH',
  );
  await assert.rejects(request(KvSubjects.clustersTopology, { cluster: 'nope' }), (e: MsecError) => e.code === 'KV_CLUSTER_NOT_FOUND');
  await assert.rejects(
    request(KvSubjects.keysInspect, { cluster: NAME, key: 'k', maxElements: 100_000 }),
    (e: MsecError) => e.data?.field === 'maxElements',
  );
});

test('kv - a failed operation keeps its error in the history and can be resumed with confirm', { timeout: 30_000 }, async () => {
  // A plain (not cluster-enabled) Redis cannot join, so joining it must fail and say why.
  const started = await request<KvOperationStarted>(KvSubjects.nodesAddMaster, { cluster: NAME, node: `${plain.host}:${plain.port}` });
  await assert.rejects(waitOperation(nc, started), /cluster support is disabled/);
  await assert.rejects(
    request(KvSubjects.operationsResume, { operationId: started.operation.id }),
    (e: MsecError) => e.code === 'KV_CONFIRM_MISMATCH',
  );
  await request(KvSubjects.operationsResume, { operationId: started.operation.id, confirm: NAME });
  await assert.rejects(waitOperation(nc, started), /cluster support is disabled/);
  const op = await request<KvOperationView>(KvSubjects.operationsGet, { operationId: started.operation.id });
  assert.equal(op.status, 'failed');
  assert.equal(op.runs, 2);
});

test('kv - adds a master and rebalances while a writer runs, losing no key', { timeout: 90_000 }, async (t) => {
  bulk = clusterClient(six.addresses, true);
  client = clusterClient(six.addresses, false);
  let mark = Date.now();
  await writeKeys(bulk, 'k:', KEYS);
  t.diagnostic(`wrote ${KEYS} keys in ${Date.now() - mark} ms`);
  mark = Date.now();
  await waitOperation(nc, await request<KvOperationStarted>(KvSubjects.nodesAddMaster, { cluster: NAME, node: extra.addresses[0] }));
  t.diagnostic(`added a master in ${Date.now() - mark} ms`);
  writer = new Writer(client, 'w:');
  writer.start();
  const rebalance = await request<KvOperationStarted>(KvSubjects.slotsRebalance, { cluster: NAME, confirm: NAME });
  await assert.rejects(
    request(KvSubjects.nodesFailover, { cluster: NAME, node: six.addresses[0], confirm: NAME }),
    (e: MsecError) => e.code === 'KV_OPERATION_IN_PROGRESS',
  );
  const began = Date.now();
  await waitOperation(nc, rebalance, 60_000);
  await writer.stop();
  t.diagnostic(
    `rebalance moved 4096 slots in ${Date.now() - began} ms; writer wrote ${writer.written} keys, retried ${writer.redirects} redirects`,
  );
  writerKeys = writer.written;
  assert.deepEqual(writer.errors, []);
  assert.ok(writer.written > 0);
  const view = await topology();
  const counts = view.nodes.filter((n) => n.role === 'master').map((m) => m.slotCount);
  assert.deepEqual(counts.sort(), [4096, 4096, 4096, 4096]);
  assert.deepEqual(await missingKeys(six.addresses, 'k:', KEYS), []);
  assert.deepEqual(await missingKeys(six.addresses, 'w:', writerKeys), []);
  const history = await request<KvOperationView[]>(KvSubjects.operationsList, { cluster: NAME });
  assert.deepEqual(
    history.map((h) => `${h.kind}:${h.status}`),
    ['rebalance:succeeded', 'add-master:succeeded', 'add-master:failed', 'create:succeeded'],
  );
});

test('kv - a rebalance interrupted by killing kv-admin resumes after a restart and finishes', { timeout: 90_000 }, async (t) => {
  const before = await topology();
  const drained =
    before.nodes.find((n) => n.role === 'master' && n.address === six.addresses[0]) ?? before.nodes.find((n) => n.role === 'master')!;
  let killed: Promise<void> | undefined;
  let seenAtKill: KvProgressEvent | undefined;
  const sub = nc.subscribe(KvSubjects.progressEvent, {
    callback: (_e, msg) => {
      const event = msg.json<KvProgressEvent>();
      if (killed === undefined && event.kind === 'rebalance' && event.step === 'migrate' && event.percent >= 10) {
        seenAtKill = event;
        killed = kvAdmin.kill();
      }
    },
  });
  const started = await request<KvOperationStarted>(KvSubjects.slotsRebalance, {
    cluster: NAME,
    confirm: NAME,
    weights: { [drained.address]: 0 },
  });
  const deadline = Date.now() + 30_000;
  while (killed === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(killed, 'kv-admin was killed mid-rebalance');
  await killed;
  sub.unsubscribe();
  assert.ok(seenAtKill!.percent < 90, `killed at ${seenAtKill!.percent}%`);
  t.diagnostic(
    `killed at ${seenAtKill!.percent}% (${seenAtKill!.message}); slots left open: ${await openSlotsNow(before.nodes.map((n) => n.address))}`,
  );
  await kvAdmin.start(nc);
  const done = await waitOperation(nc, started, 60_000);
  assert.ok(done.runs >= 2, `ran ${done.runs} times`);
  const view = await topology();
  assert.equal(view.nodes.find((n) => n.id === drained.id)!.slotCount, 0);
  const check = await request<KvCheckReport>(KvSubjects.clustersCheck, { cluster: NAME });
  assert.deepEqual(check.openSlots, []);
  assert.equal(check.coveredSlots, 16384);
  assert.deepEqual(await missingKeys(six.addresses, 'k:', KEYS), []);
  assert.deepEqual(await missingKeys(six.addresses, 'w:', writerKeys), []);
});

test('kv - removes a node after moving its slots away', { timeout: 60_000 }, async () => {
  const gone = (await topology()).nodes.find((n) => n.address === extra.addresses[0])!;
  assert.ok(gone.slotCount > 0);
  await waitOperation(nc, await request<KvOperationStarted>(KvSubjects.nodesRemove, { cluster: NAME, node: gone.address, confirm: NAME }));
  const view = await topology();
  assert.equal(
    view.nodes.some((n) => n.id === gone.id),
    false,
  );
  const masters = view.nodes.filter((n) => n.role === 'master' && n.slotCount > 0);
  // A master drained to 0 slots may have turned into a replica (cluster-allow-replica-migration), so count what is left.
  assert.ok(masters.length >= 2);
  assert.equal(
    masters.reduce((sum, m) => sum + m.slotCount, 0),
    16384,
  );
  assert.ok(
    masters.every((m) => Math.abs(m.slotCount - 16384 / masters.length) < 2),
    masters.map((m) => m.slotCount).join(','),
  );
  const check = await request<KvCheckReport>(KvSubjects.clustersCheck, { cluster: NAME });
  assert.deepEqual(check.errors, []);
  assert.deepEqual(await missingKeys(six.addresses, 'k:', KEYS), []);
});

test('kv - adds a replica to the master that has none', { timeout: 60_000 }, async () => {
  // The removed node was reset by kv-admin, so it is an empty cluster node again.
  const lonely = (await topology()).nodes.find((n) => n.role === 'master' && n.slotCount > 0 && n.replicaIds.length === 0);
  const master = lonely ?? (await topology()).nodes.find((n) => n.role === 'master' && n.slotCount > 0)!;
  await waitOperation(
    nc,
    await request<KvOperationStarted>(KvSubjects.nodesAddReplica, { cluster: NAME, node: extra.addresses[0], master: master.address }),
  );
  const view = await topology();
  const replica = view.nodes.find((n) => n.address === extra.addresses[0])!;
  assert.equal(replica.role, 'replica');
  assert.equal(replica.masterId, master.id);
  const check = await request<KvCheckReport>(KvSubjects.clustersCheck, { cluster: NAME });
  assert.deepEqual(check.errors, []);
  assert.equal(
    check.warnings.some((w) => w.includes(`master ${master.address} holds`)),
    false,
  );
});

test('kv - registers an existing cluster by a seed node and forgets it only with confirm', async () => {
  const summary = await request<{ name: string; seeds: string[] }>(KvSubjects.clustersRegister, {
    name: 'mirror',
    seeds: [six.addresses[1]],
  });
  assert.deepEqual(summary.seeds, [six.addresses[1]]);
  const mirror = await request<KvTopology>(KvSubjects.clustersTopology, { cluster: 'mirror' });
  assert.equal(mirror.nodes.length, (await topology()).nodes.length);
  await assert.rejects(
    request(KvSubjects.clustersRegister, { name: 'mirror', seeds: [six.addresses[1]] }),
    (e: MsecError) => e.code === 'KV_CLUSTER_EXISTS',
  );
  await assert.rejects(request(KvSubjects.clustersUnregister, { cluster: 'mirror' }), (e: MsecError) => e.code === 'KV_CONFIRM_MISMATCH');
  await request(KvSubjects.clustersUnregister, { cluster: 'mirror', confirm: 'mirror' });
  const names = (await request<{ name: string }[]>(KvSubjects.clustersList, {})).map((c) => c.name);
  assert.deepEqual(names, [NAME]);
});

test('kv - fails over a master, and the topology view matches CLUSTER NODES', { timeout: 60_000 }, async () => {
  const before = await topology();
  const master = before.nodes.find((n) => n.role === 'master' && n.slotCount > 0 && n.replicaIds.length > 0)!;
  const replicaId = master.replicaIds[0]!;
  await waitOperation(
    nc,
    await request<KvOperationStarted>(KvSubjects.nodesFailover, { cluster: NAME, node: master.address, confirm: NAME }),
  );
  // The demoted master resynchronises from its new master for a moment (CLUSTER SHARDS says "loading"), as a user
  // watching the console would see; the view must settle to every node online with its offset.
  const view = await settledTopology(15_000);
  const promoted = view.nodes.find((n) => n.id === replicaId)!;
  assert.equal(promoted.role, 'master');
  assert.equal(promoted.slotCount, master.slotCount);
  assert.equal(view.nodes.find((n) => n.id === master.id)!.masterId, replicaId);
  const raw = new Redis({ host: view.seenFrom.split(':')[0], port: Number(view.seenFrom.split(':')[1]) });
  try {
    const lines = String(await raw.call('CLUSTER', 'NODES'))
      .trim()
      .split('\n');
    assert.equal(lines.length, view.nodes.length);
    for (const line of lines) {
      const [id, addr, flags, masterId, , , epoch, link, ...slots] = line.split(' ');
      const node = view.nodes.find((n) => n.id === id)!;
      assert.ok(node, `node ${id} is in the view`);
      assert.equal(node.address, addr!.split('@')[0]);
      assert.equal(node.role, flags!.includes('slave') ? 'replica' : 'master');
      assert.equal(node.masterId, masterId === '-' ? null : masterId);
      assert.equal(node.configEpoch, Number(epoch));
      assert.equal(node.linkState, link);
      assert.equal(node.slots.map((r) => (r.start === r.end ? `${r.start}` : `${r.start}-${r.end}`)).join(' '), slots.join(' '));
    }
  } finally {
    raw.disconnect();
  }
  assert.ok(
    view.nodes.every((n) => typeof n.replicationOffset === 'number' && n.health === 'online'),
    `CLUSTER SHARDS details merged: ${JSON.stringify(view.nodes.map((n) => [n.address, n.health, n.replicationOffset]))}`,
  );
  assert.deepEqual(await missingKeys(six.addresses, 'k:', 2000), []);
});

test('kv - samples every node, shows the slow log and inspects keys within size guards', { timeout: 30_000 }, async () => {
  const batch = await new Promise<StatsBatch>((resolve) => {
    const sub = nc.subscribe('msec.telemetry.stats.*.KV.main', {
      callback: (_e, msg) => {
        sub.unsubscribe();
        resolve(msg.json<StatsBatch>());
      },
    });
  });
  assert.equal(batch.service, 'KV.main');
  assert.ok(batch.items.some(([attr, , kind]) => attr === 'kv.keys' && kind === 'last'));
  const samples = await request<KvNodeSample[]>(KvSubjects.monitorLatest, { cluster: NAME });
  const view = await topology();
  assert.equal(samples.length, view.nodes.length);
  const masterKeys = samples.filter((s) => s.role === 'master').reduce((sum, s) => sum + s.keys, 0);
  assert.ok(masterKeys >= KEYS, `masters hold ${masterKeys} keys`);
  assert.ok(samples.every((s) => s.usedMemoryBytes > 0 && s.clients > 0));
  const slowlog = await request<KvSlowlogEntry[]>(KvSubjects.slowlogGet, { cluster: NAME, count: 5 });
  assert.ok(Array.isArray(slowlog) && slowlog.length <= 5);

  const str = await request<KvKeyInspection>(KvSubjects.keysInspect, { cluster: NAME, key: 'k:42' });
  assert.equal(str.type, 'string');
  assert.deepEqual(str.preview, { kind: 'string', value: 'v42', truncated: false });
  assert.equal(str.ttlMs, -1);
  const fields: string[] = [];
  for (let i = 0; i < 1000; i += 1) fields.push(`f${i}`, 'x'.repeat(50));
  await client.hset('big:hash', ...fields);
  await client.pexpire('big:hash', 600_000);
  const hash = await request<KvKeyInspection>(KvSubjects.keysInspect, { cluster: NAME, key: 'big:hash', maxElements: 10, maxBytes: 8 });
  assert.equal(hash.type, 'hash');
  assert.equal(hash.size, 1000);
  assert.ok(hash.ttlMs > 0 && hash.ttlMs <= 600_000);
  assert.ok(hash.memoryBytes !== null && hash.memoryBytes > 50_000);
  assert.equal(hash.preview.kind, 'elements');
  if (hash.preview.kind === 'elements') {
    assert.equal(hash.preview.items.length, 10);
    assert.equal(hash.preview.truncated, true);
    assert.ok(hash.preview.items.every((item) => item.value === 'xxxxxxxx'));
  }
  const missing = await request<KvKeyInspection>(KvSubjects.keysInspect, { cluster: NAME, key: 'no-such-key' });
  assert.equal(missing.exists, false);
});

test('kv - key lookup follows a key whose slot is being migrated to the importing node', { timeout: 30_000 }, async () => {
  await client.set('moving:key', 'here');
  const view = await topology();
  const slot = Number(await client.cluster('KEYSLOT', 'moving:key'));
  const owner = view.nodes.find((n) => n.role === 'master' && n.slots.some((r) => r.start <= slot && slot <= r.end))!;
  const target = view.nodes.find((n) => n.role === 'master' && n.slotCount > 0 && n.id !== owner.id)!;
  const src = new Redis({ host: owner.host, port: owner.port });
  const dst = new Redis({ host: target.host, port: target.port });
  try {
    await dst.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', owner.id);
    await src.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
    await src.call('MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', 'moving:key');
    const found = await request<KvKeyInspection>(KvSubjects.keysInspect, { cluster: NAME, key: 'moving:key' });
    assert.equal(found.node, target.address);
    assert.deepEqual(found.preview, { kind: 'string', value: 'here', truncated: false });
    // Finish the move (the slot's other keys too) so the cluster is left consistent.
    for (;;) {
      const keys = (await src.call('CLUSTER', 'GETKEYSINSLOT', slot, 100)) as string[];
      if (keys.length === 0) break;
      await src.call('MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', ...keys);
    }
    for (const r of [dst, src]) await r.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
  } finally {
    src.disconnect();
    dst.disconnect();
  }
});
