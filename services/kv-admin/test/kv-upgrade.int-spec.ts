import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { EventStore } from '@msec/bus';
import { KvEventSubjects, KvSubjects, NatsRole, type KvClusterSummary, type KvOperationView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, startRedis, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';
import { KV_MIGRATIONS } from '../src/clusters/kv.migrations.js';
import { PasswordBox } from '../src/secrets/password-box.js';
import { KvAdminProcess } from './helpers/kv-harness.js';

let nats: NatsTestServer;
let bull: InfraServer;
let nc: NatsConnection;
let kvAdmin: KvAdminProcess;
const dataDir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}kv-upgrade-`));

const OLD: KvClusterSummary[] = [
  { name: 'orders', seeds: ['10.0.0.11:7000', '10.0.0.12:7000'], createdAt: '2026-11-02T08:00:00.000Z', hasPassword: true },
  { name: 'sessions', seeds: ['10.0.0.21:7000'], createdAt: '2026-11-05T09:30:00.000Z', hasPassword: false },
];

const OPERATIONS: KvOperationView[] = [
  {
    id: '1a2b3c4d-0000-4000-8000-000000000001',
    cluster: 'orders',
    kind: 'rebalance',
    status: 'succeeded',
    params: {},
    percent: 100,
    step: 'done',
    message: 'finished',
    error: null,
    runs: 1,
    createdAt: '2026-11-03T08:00:00.000Z',
    startedAt: '2026-11-03T08:00:01.000Z',
    finishedAt: '2026-11-03T08:02:00.000Z',
  },
  {
    id: '1a2b3c4d-0000-4000-8000-000000000002',
    cluster: 'orders',
    kind: 'add-master',
    status: 'failed',
    params: { node: '10.0.0.14:7000' },
    percent: 40,
    step: 'migrate',
    message: 'failed: node 10.0.0.14:7000 did not answer',
    error: 'node 10.0.0.14:7000 did not answer',
    runs: 2,
    createdAt: '2026-11-04T08:00:00.000Z',
    startedAt: '2026-11-04T08:00:01.000Z',
    finishedAt: '2026-11-04T08:05:00.000Z',
  },
];

before(async () => {
  [nats, bull] = await Promise.all([startNats(), startRedis()]);
  nc = await nats.connect();
  // The previous version's database: its migrations, two registered clusters, one password sealed with its key.
  const box = PasswordBox.open(join(dataDir, 'secrets', 'kv-admin.key'));
  const ds = new DataSource({
    type: 'better-sqlite3',
    database: join(dataDir, 'kv-admin.sqlite'),
    migrations: KV_MIGRATIONS.slice(0, -1),
    migrationsRun: true,
  });
  await ds.initialize();
  for (const c of OLD)
    await ds.query('INSERT INTO kv_clusters (name, seeds, created_at, password_sealed) VALUES (?, ?, ?, ?)', [
      c.name,
      JSON.stringify(c.seeds),
      c.createdAt,
      c.hasPassword ? box.seal('old-password') : null,
    ]);
  for (const o of OPERATIONS)
    await ds.query(
      `INSERT INTO kv_operations (id, cluster, kind, status, active_cluster, params, state, percent, step, message, error, runs, created_at, started_at, finished_at)
       VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        o.id,
        o.cluster,
        o.kind,
        o.status,
        JSON.stringify(o.params),
        '{"moved":12}',
        o.percent,
        o.step,
        o.message,
        o.error,
        o.runs,
        o.createdAt,
        o.startedAt,
        o.finishedAt,
      ],
    );
  await ds.destroy();
  kvAdmin = new KvAdminProcess({
    ...(await nats.envFor(NatsRole.kvAdmin)),
    MSEC_REDIS_URL: bull.url,
    MSEC_DATA_DIR: dataDir,
    MSEC_DB_URL: '',
  });
});

after(async () => {
  await kvAdmin?.kill();
  await nc?.close();
  await Promise.all([bull?.dispose(), nats?.dispose()]);
  rmSync(dataDir, { recursive: true, force: true });
});

test(
  'kv upgrade - clusters and operations stored by the previous version are kept and carried into the event stream once',
  { timeout: 60_000 },
  async () => {
    await kvAdmin.start(nc);
    const clusters = (): Promise<KvClusterSummary[]> => natsRequest<KvClusterSummary[]>(nc, KvSubjects.clustersList, {});
    const history = (): Promise<KvOperationView[]> => natsRequest<KvOperationView[]>(nc, KvSubjects.operationsList, { cluster: 'orders' });
    const imported = async (): Promise<number> => (await new EventStore(nc).read(KvEventSubjects.clusters)).events.length;
    assert.deepEqual(await clusters(), OLD);
    assert.deepEqual(await history(), [...OPERATIONS].reverse());
    assert.equal(await imported(), 4);
    await natsRequest(nc, KvSubjects.rebuild, {}, 60_000);
    assert.deepEqual(await clusters(), OLD, 'rebuilt, the password too');
    assert.deepEqual(await history(), [...OPERATIONS].reverse());
    await kvAdmin.stop();
    await kvAdmin.start(nc);
    assert.equal(await imported(), 4, 'a restart imports nothing again');
    assert.deepEqual(await clusters(), OLD);
  },
);
