import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { EventStore } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, DeploySubjects, NatsRole, type ReleasePlanView } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import { startNats, startRedis, TEMP_DIR_PREFIX, type InfraServer, type NatsTestServer } from '@msec/testing';
import { DEPLOY_MIGRATIONS } from '../src/deploy.module.js';
import { DeployProcess } from './helpers/deploy-harness.js';

const VERSIONS = { packageName: 'shop', packageVersion: '1.0.0', configTag: 'v1', idlTag: null };
const STRATEGY = { canary: true, batchSize: 1, pauseAfterCanary: false, stabilizeMs: 2000, healthTimeoutMs: 10000 };

/** Two plans as the previous version stored them: one succeeded, one rolled back after its canary failed. */
const PLANS: ReleasePlanView[] = [
  {
    planId: '0b6f7c1e-1111-4c1e-9a77-0b1d2e3f4a5b',
    kind: 'release',
    service: 'Shop.mod_cart',
    port: 9100,
    target: VERSIONS,
    strategy: STRATEGY,
    state: 'succeeded',
    error: null,
    hosts: [
      { hostId: 'old-h1', ip: '10.0.0.1', batch: 0, state: 'done', error: null, previous: null },
      { hostId: 'old-h2', ip: '10.0.0.2', batch: 1, state: 'done', error: null, previous: null },
    ],
    createdAt: 1764000000000,
    updatedAt: 1764000060000,
  },
  {
    planId: '9c2d7c1e-2222-4c1e-9a77-0b1d2e3f4a5b',
    kind: 'release',
    service: 'Shop.mod_cart',
    port: 9100,
    target: { ...VERSIONS, packageVersion: '1.1.0' },
    strategy: STRATEGY,
    state: 'rolled-back',
    error: 'health gate failed on old-h1: Shop.mod_cart is not running',
    hosts: [
      { hostId: 'old-h1', ip: '10.0.0.1', batch: 0, state: 'rolled-back', error: null, previous: VERSIONS },
      { hostId: 'old-h2', ip: '10.0.0.2', batch: 1, state: 'pending', error: null, previous: VERSIONS },
    ],
    createdAt: 1764100000000,
    updatedAt: 1764100030000,
  },
];

/** A deploy database with the previous version's schema (every migration before release events) and its rows. */
async function writePreviousVersionDatabase(file: string): Promise<void> {
  const ds = new DataSource({ type: 'better-sqlite3', database: file, migrations: DEPLOY_MIGRATIONS.slice(0, -1), migrationsRun: true });
  await ds.initialize();
  for (const p of PLANS)
    await ds.query(
      `INSERT INTO deploy_releases (plan_id, kind, service, port, target_json, strategy_json, hosts_json, state, error, run_no, canary_approved, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?)`,
      [
        p.planId,
        p.kind,
        p.service,
        p.port,
        JSON.stringify(p.target),
        JSON.stringify(p.strategy),
        JSON.stringify(p.hosts),
        p.state,
        p.error,
        p.createdAt,
        p.updatedAt,
      ],
    );
  await ds.query(`INSERT INTO deploy_config_versions (service, tag, memo, content, seq, created_at) VALUES (?, ?, ?, ?, ?, ?)`, [
    'Shop.mod_cart',
    'v1',
    'first',
    'threads = 4\n',
    1,
    1763900000000,
  ]);
  await ds.query(`INSERT INTO deploy_idl_versions (service, tag, memo, files_json, created_at) VALUES (?, ?, ?, ?, ?)`, [
    'Shop.mod_cart',
    'i1',
    'first',
    JSON.stringify({ 'cart.proto': 'syntax = "proto3";\nmessage Cart { string id = 1; }\n' }),
    1763800000000,
  ]);
  for (const [id, hash, redeemedAt] of [
    ['5a1e0c1e-3333-4c1e-9a77-0b1d2e3f4a5b', 'a'.repeat(64), 1764000100000],
    ['6b2f0c1e-4444-4c1e-9a77-0b1d2e3f4a5b', 'b'.repeat(64), null],
  ] as const)
    await ds.query(
      `INSERT INTO deploy_host_enrollments (id, host_id, token_hash, created_at, expires_at, created_by, redeemed_at, redeemed_from, revoked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      [id, 'old-h1', hash, 1764000000000, 1764003600000, 'ada (admin)', redeemedAt, redeemedAt === null ? null : '10.0.0.1'],
    );
  await ds.query(
    `INSERT INTO deploy_packages (name, version, sha256, size, entry, bucket, object_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ['shop', '1.0.0', 'c'.repeat(64), 1024, 'dist/main.js', 'msec_packages', 'shop/1.0.0.tar.gz', 1763950000000],
  );
  await ds.query(
    `INSERT INTO deploy_hosts (host_id, ip, status, last_seen_at, interval_ms, metrics_json, instances_json) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ['old-h1', '10.0.0.1', 'up', 1764100030000, 5000, '{}', '[]'],
  );
  await ds.destroy();
}

describe('deploy upgrade', () => {
  let nats: NatsTestServer;
  let redis: InfraServer;
  let nc: NatsConnection;
  let dir: string;
  let deploy: DeployProcess;

  before(async () => {
    [nats, redis] = await Promise.all([startNats(), startRedis()]);
    nc = await nats.connect();
    dir = mkdtempSync(join(tmpdir(), `${TEMP_DIR_PREFIX}deploy-upgrade-`));
    mkdirSync(join(dir, 'data'));
    await writePreviousVersionDatabase(join(dir, 'data', 'deploy.sqlite'));
    deploy = new DeployProcess(await nats.envFor(NatsRole.deploy), redis.url, join(dir, 'data'));
  });

  after(async () => {
    await deploy?.stop();
    await nc?.close();
    await Promise.all([nats?.dispose(), redis?.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('deploy - a database of the previous version becomes release events on first start, and nothing is lost', async () => {
    await deploy.start(nc);
    const newestFirst = [...PLANS].reverse();
    assert.deepEqual(await natsRequest<ReleasePlanView[]>(nc, DeploySubjects.releaseList, {}), newestFirst);
    const store = new EventStore(nc);
    for (const p of PLANS) {
      const { events } = await store.read(DeployEventSubjects.release(p.planId));
      assert.deepEqual(
        events.map((e) => e.event.type),
        [DeployEventType.releaseImported],
      );
    }
    const configs = await natsRequest<{ tag: string }[]>(nc, DeploySubjects.configList, { service: 'Shop.mod_cart' });
    assert.deepEqual(
      (await store.read(DeployEventSubjects.config('Shop.mod_cart'))).events.map((e) => e.event.type),
      [DeployEventType.configVersionAdded],
    );
    assert.deepEqual(
      configs.map((c) => c.tag),
      ['v1'],
    );
    const idl = await natsRequest<{ tag: string; messages: string[] }[]>(nc, DeploySubjects.idlList, { service: 'Shop.mod_cart' });
    assert.deepEqual(
      idl.map((v) => [v.tag, v.messages]),
      [['i1', ['Cart']]],
    );
    assert.deepEqual(
      (await store.read(DeployEventSubjects.idl('Shop.mod_cart'))).events.map((e) => e.event.type),
      [DeployEventType.idlVersionAdded],
    );
    const enrollments = await natsRequest<{ id: string; redeemedAt: number | null; redeemedFrom: string | null }[]>(
      nc,
      DeploySubjects.hostsEnrollments,
      {},
    );
    assert.deepEqual(enrollments.map((e) => [e.id.slice(0, 4), e.redeemedAt, e.redeemedFrom]).sort(), [
      ['5a1e', 1764000100000, '10.0.0.1'],
      ['6b2f', null, null],
    ]);
    assert.deepEqual(
      (await store.read(DeployEventSubjects.enrollment(enrollments.find((e) => e.redeemedAt !== null)!.id))).events.map(
        (e) => e.event.type,
      ),
      [DeployEventType.hostEnrollmentCreated, DeployEventType.hostEnrollmentRedeemed],
    );
    const packages = await natsRequest<{ name: string; version: string; sha256: string }[]>(nc, DeploySubjects.packagesList, {});
    assert.deepEqual(
      packages.map((p) => [p.name, p.version, p.sha256]),
      [['shop', '1.0.0', 'c'.repeat(64)]],
    );
    assert.deepEqual(
      (await store.read(DeployEventSubjects.package('shop'))).events.map((e) => e.event.type),
      [DeployEventType.packageVersionAdded],
    );
    const hosts = await natsRequest<{ hostId: string }[]>(nc, DeploySubjects.hostsList, {});
    assert.deepEqual(
      hosts.map((h) => h.hostId),
      ['old-h1'],
    );

    // A restart imports nothing twice, and the read model rebuilt from the events is the one carried over.
    await deploy.stop();
    await deploy.start(nc);
    for (const p of PLANS) assert.equal((await store.read(DeployEventSubjects.release(p.planId))).events.length, 1);
    assert.equal((await store.read(DeployEventSubjects.idl('Shop.mod_cart'))).events.length, 1);
    assert.deepEqual(await natsRequest(nc, DeploySubjects.rebuild, {}, 60_000), {
      releases: PLANS.length,
      idlVersions: 1,
      configVersions: 1,
      packages: 1,
      enrollments: 2,
      offlineHosts: 0,
    });
    assert.deepEqual(await natsRequest<ReleasePlanView[]>(nc, DeploySubjects.releaseList, {}), newestFirst);
    assert.deepEqual(await natsRequest(nc, DeploySubjects.idlList, { service: 'Shop.mod_cart' }), idl);
    assert.deepEqual(await natsRequest(nc, DeploySubjects.hostsEnrollments, {}), enrollments);
    assert.deepEqual(await natsRequest(nc, DeploySubjects.configList, { service: 'Shop.mod_cart' }), configs);
    assert.deepEqual(await natsRequest(nc, DeploySubjects.packagesList, {}), packages);
  });
});
