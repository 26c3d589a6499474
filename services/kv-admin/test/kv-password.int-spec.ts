import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import type { Cluster } from 'ioredis';
import {
  KvEventSubjects,
  KvSubjects,
  type KvCheckReport,
  type KvClusterSummary,
  type KvKeyInspection,
  type KvOperationStarted,
  type KvTopology,
  type MsecError,
  NatsRole,
} from '@msec/contracts';
import { EventStore } from '@msec/bus';
import { natsRequest } from '@msec/platform';
import { startNats, startRedis, startRedisNodes, tcpExchange, type InfraServer, type RedisNodes, type NatsTestServer } from '@msec/testing';
import { KvAdminProcess, clusterClient, missingKeys, waitOperation, writeKeys } from './helpers/kv-harness.js';

const PASSWORD = 'kv-cluster-s3cret-with spaces';
const NAME = 'locked';
const KEYS = 5_000;

let nats: NatsTestServer;
let bull: InfraServer;
let six: RedisNodes;
let extra: RedisNodes;
let nc: NatsConnection;
let dataDir: string;
let kvAdmin: KvAdminProcess;
let client: Cluster | undefined;

const request = <T>(subject: string, data: unknown): Promise<T> => natsRequest<T>(nc, subject, data, 10_000);

before(async () => {
  // BullMQ's own Redis has its generated password too (in bull.url), as every harness Redis does.
  [nats, bull, six, extra] = await Promise.all([
    startNats(),
    startRedis(),
    startRedisNodes(6, { password: PASSWORD }),
    startRedisNodes(1, { password: PASSWORD }),
  ]);
  nc = await nats.connect();
  dataDir = mkdtempSync(join(tmpdir(), 'msec-test-kv-password-'));
  kvAdmin = new KvAdminProcess({
    ...(await nats.envFor(NatsRole.kvAdmin)),
    MSEC_REDIS_URL: bull.url,
    MSEC_DATA_DIR: dataDir,
    MSEC_DB_URL: '',
    MSEC_KV_SAMPLE_SECONDS: '1',
  });
  await kvAdmin.start(nc);
});

after(async () => {
  client?.disconnect();
  await kvAdmin?.kill();
  await nc?.close();
  await Promise.all([six?.dispose(), extra?.dispose(), bull?.dispose(), nats?.dispose()]);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('kv password - the harness Redis for BullMQ refuses a client without its password', async () => {
  assert.match(await tcpExchange(bull.host, bull.port, 'PING\r\n'), /^-NOAUTH/);
  assert.match(await tcpExchange(six.nodes[0]!.host, six.nodes[0]!.port, 'CLUSTER INFO\r\n'), /^-NOAUTH/);
});

test('kv password - creates a cluster from nodes that require a password and administers it', { timeout: 60_000 }, async () => {
  const started = await request<KvOperationStarted>(KvSubjects.clustersCreate, {
    name: NAME,
    nodes: six.addresses,
    replicasPerMaster: 1,
    password: PASSWORD,
  });
  await waitOperation(nc, started);
  const view = await request<KvTopology>(KvSubjects.clustersTopology, { cluster: NAME });
  assert.equal(view.nodes.filter((n) => n.role === 'master').length, 3);
  assert.equal(view.nodes.filter((n) => n.role === 'replica').length, 3);
  const check = await request<KvCheckReport>(KvSubjects.clustersCheck, { cluster: NAME });
  assert.deepEqual(check.errors, []);

  client = clusterClient(six.addresses, true, PASSWORD);
  await writeKeys(client, 'p:', KEYS);
  await client.set('greeting', 'hello');
  const found = await request<KvKeyInspection>(KvSubjects.keysInspect, { cluster: NAME, key: 'greeting' });
  assert.deepEqual(found.preview, { kind: 'string', value: 'hello', truncated: false });

  // A new node joins and slots move to it: MIGRATE carries the password to the target.
  await waitOperation(nc, await request<KvOperationStarted>(KvSubjects.nodesAddMaster, { cluster: NAME, node: extra.addresses[0] }));
  await waitOperation(nc, await request<KvOperationStarted>(KvSubjects.slotsRebalance, { cluster: NAME, confirm: NAME }), 60_000);
  const after = await request<KvTopology>(KvSubjects.clustersTopology, { cluster: NAME });
  const counts = after.nodes.filter((n) => n.role === 'master').map((m) => m.slotCount);
  assert.deepEqual(counts.sort(), [4096, 4096, 4096, 4096]);
  assert.deepEqual(await missingKeys(six.addresses, 'p:', KEYS, PASSWORD), []);
});

test('kv password - registering needs the right password, and it is never returned nor stored in plain text', async () => {
  const seed = [six.addresses[1]!];
  await assert.rejects(request(KvSubjects.clustersRegister, { name: 'nopass', seeds: seed }), (e: MsecError) => {
    assert.equal(e.code, 'KV_NODE_AUTH_FAILED');
    assert.equal(e.data?.field, 'password');
    return true;
  });
  await assert.rejects(
    request(KvSubjects.clustersRegister, { name: 'wrong', seeds: seed, password: 'not-it' }),
    (e: MsecError) => e.code === 'KV_NODE_AUTH_FAILED',
  );
  const registered = await request<KvClusterSummary>(KvSubjects.clustersRegister, { name: 'again', seeds: seed, password: PASSWORD });
  assert.equal(registered.hasPassword, true);
  const listed = await request<KvClusterSummary[]>(KvSubjects.clustersList, {});
  assert.deepEqual(
    listed.map((c) => [c.name, c.hasPassword]),
    [
      ['again', true],
      [NAME, true],
    ],
  );
  assert.ok(!JSON.stringify(listed).includes(PASSWORD), 'the API returned the password');

  // The database files (with the write-ahead log) hold the sealed form, never the password.
  const files = readdirSync(dataDir).filter((f) => f.startsWith('kv-admin.sqlite'));
  const stored = Buffer.concat(files.map((f) => readFileSync(join(dataDir, f))));
  assert.ok(files.length > 0 && stored.includes(Buffer.from('v1:')), `the sealed password is stored in ${files.join(', ')}`);
  assert.equal(stored.includes(Buffer.from(PASSWORD)), false, 'the database holds the password in plain text');
  const keyFile = join(dataDir, 'secrets', 'kv-admin.key');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
});

test('kv password - a restarted kv-admin reads the sealed password back and reaches the cluster', { timeout: 30_000 }, async () => {
  await kvAdmin.stop();
  await kvAdmin.start(nc);
  const check = await request<KvCheckReport>(KvSubjects.clustersCheck, { cluster: NAME });
  assert.deepEqual(check.errors, []);
});

test(
  'kv password - two kv-admin processes on one database: a name registered by four requests at once is registered once',
  { timeout: 60_000 },
  async () => {
    const second = new KvAdminProcess({
      ...(await nats.envFor(NatsRole.kvAdmin)),
      MSEC_REDIS_URL: bull.url,
      MSEC_DATA_DIR: dataDir,
      MSEC_DB_URL: '',
      MSEC_KV_SAMPLE_SECONDS: '1',
    });
    await second.start(nc);
    try {
      const outcomes = await Promise.all(
        [0, 1, 2, 3].map(() =>
          request(KvSubjects.clustersRegister, { name: 'twice', seeds: [six.addresses[0]], password: PASSWORD }).then(
            () => 'ok',
            (e: MsecError) => e.code,
          ),
        ),
      );
      assert.deepEqual([...outcomes].sort(), ['KV_CLUSTER_EXISTS', 'KV_CLUSTER_EXISTS', 'KV_CLUSTER_EXISTS', 'ok']);
      const events = (await new EventStore(nc).read(KvEventSubjects.clusters)).events.map((e) => e.event);
      assert.equal(events.filter((e) => (e.payload as { name: string }).name === 'twice').length, 1);
      await request(KvSubjects.clustersUnregister, { cluster: 'twice', confirm: 'twice' });
    } finally {
      await second.stop();
    }
  },
);

test(
  'kv password - rebuild replays the registrations: the same list, the cluster reached with its password, no password in any event',
  { timeout: 30_000 },
  async () => {
    const before = await request<KvClusterSummary[]>(KvSubjects.clustersList, {});
    const rebuilt = await natsRequest<{ clusters: number }>(nc, KvSubjects.rebuild, {}, 60_000);
    assert.equal(rebuilt.clusters, before.length);
    assert.deepEqual(await request<KvClusterSummary[]>(KvSubjects.clustersList, {}), before);
    await kvAdmin.stop();
    await kvAdmin.start(nc);
    assert.deepEqual((await request<KvCheckReport>(KvSubjects.clustersCheck, { cluster: NAME })).errors, []);
    const events = JSON.stringify((await new EventStore(nc).read(KvEventSubjects.clusters)).events);
    assert.ok(events.includes('kv-admin.ClusterRegistered') && events.includes('kv-admin.ClusterUnregistered'), events.slice(0, 300));
    assert.ok(!events.includes(PASSWORD) && !events.includes('v1:'), 'neither the password nor its sealed form is in an event');
  },
);
