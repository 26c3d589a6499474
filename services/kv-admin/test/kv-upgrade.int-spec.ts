import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { EventStore } from '@msec/bus';
import { KvEventSubjects, KvSubjects, NatsRole, type KvClusterSummary } from '@msec/contracts';
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
  'kv upgrade - clusters registered by the previous version are kept and carried into the event stream once',
  { timeout: 60_000 },
  async () => {
    await kvAdmin.start(nc);
    assert.deepEqual(await natsRequest<KvClusterSummary[]>(nc, KvSubjects.clustersList, {}), OLD);
    const registered = async (): Promise<number> => (await new EventStore(nc).read(KvEventSubjects.clusters)).events.length;
    assert.equal(await registered(), 2);
    await natsRequest(nc, KvSubjects.rebuild, {}, 60_000);
    assert.deepEqual(await natsRequest<KvClusterSummary[]>(nc, KvSubjects.clustersList, {}), OLD, 'rebuilt, the password too');
    await kvAdmin.stop();
    await kvAdmin.start(nc);
    assert.equal(await registered(), 2, 'a restart imports nothing again');
    assert.deepEqual(await natsRequest<KvClusterSummary[]>(nc, KvSubjects.clustersList, {}), OLD);
  },
);
