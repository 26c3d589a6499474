import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { ProjectionCheckpointEntity } from '@msec/bus';
import { KvOperationKind } from '@msec/contracts';
import { openDataSource, parseDatabaseUrl, type DatabaseTarget } from '@msec/persistence';
import { startMariaDb, type InfraServer } from '@msec/testing';
import { KvClusterEntity, KvClusterSecretEntity, KvOperationEntity } from '../src/clusters/kv.entities.js';
import { KV_MIGRATIONS } from '../src/clusters/kv.migrations.js';

let maria: InfraServer;

before(async () => {
  maria = await startMariaDb();
});

after(() => maria?.dispose());

/** An operation row as the operations projection writes it. */
function operationRow(id: string, cluster: string, active: boolean): Partial<KvOperationEntity> {
  return {
    id,
    cluster,
    kind: KvOperationKind.rebalance,
    status: active ? 'running' : 'succeeded',
    activeCluster: active ? cluster : null,
    params: '{}',
    state: '{}',
    percent: 0,
    step: 'queued',
    message: '',
    error: null,
    runs: 0,
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
  };
}

async function checkStore(target: DatabaseTarget): Promise<void> {
  const ds: DataSource = await openDataSource({
    target,
    entities: [KvClusterEntity, KvClusterSecretEntity, KvOperationEntity, ProjectionCheckpointEntity],
    migrations: KV_MIGRATIONS,
  });
  try {
    // Every migration ran: the projection's tables and the secrets table answer.
    await ds.getRepository(KvClusterSecretEntity).insert({ ref: 'r1', sealed: 'v1:abc' });
    await ds.getRepository(ProjectionCheckpointEntity).save({ projection: 'kv-admin.clusters', lastSeq: 7, updatedAt: new Date() });
    // Beside the events' own check, the table keeps one active operation per cluster.
    const repo = ds.getRepository(KvOperationEntity);
    await repo.insert(operationRow('00000000-0000-4000-8000-000000000001', 'c1', true));
    await assert.rejects(repo.insert(operationRow('00000000-0000-4000-8000-000000000002', 'c1', true)));
    await repo.insert(operationRow('00000000-0000-4000-8000-000000000003', 'c1', false));
    await repo.insert(operationRow('00000000-0000-4000-8000-000000000004', 'c2', true));
    assert.equal(await repo.countBy({ cluster: 'c1' }), 2);
  } finally {
    await ds.destroy();
  }
}

test('kv store - migrations and the one-operation-per-cluster index work on MariaDB', { timeout: 60_000 }, async () => {
  await checkStore(parseDatabaseUrl(maria.url, 'url'));
});

test('kv store - migrations and the one-operation-per-cluster index work on SQLite', async () => {
  await checkStore({ kind: 'sqlite', file: ':memory:' });
});
