import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource } from 'typeorm';
import { KvOperationKind, type MsecError } from '@msec/contracts';
import { openDataSource, parseDatabaseUrl, type DatabaseTarget } from '@msec/persistence';
import { startMariaDb, type InfraServer } from '@msec/testing';
import { KvClusterEntity, KvOperationEntity } from '../src/clusters/kv.entities.js';
import { KV_MIGRATIONS } from '../src/clusters/kv.migrations.js';
import { OperationsStore } from '../src/operations/operations.store.js';

let maria: InfraServer;

before(async () => {
  maria = await startMariaDb();
});

after(() => maria?.dispose());

async function checkStore(target: DatabaseTarget): Promise<void> {
  const ds: DataSource = await openDataSource({ target, entities: [KvClusterEntity, KvOperationEntity], migrations: KV_MIGRATIONS });
  try {
    // Two service instances share the table: the unique active_cluster index lets only one start an operation.
    const a = new OperationsStore(ds);
    const b = new OperationsStore(ds);
    const first = await a.createQueued('c1', KvOperationKind.rebalance, {});
    await assert.rejects(
      b.createQueued('c1', KvOperationKind.failover, { node: 'x' }),
      (e: MsecError) => e.code === 'KV_OPERATION_IN_PROGRESS',
    );
    await b.createQueued('c2', KvOperationKind.rebalance, {});
    await a.update(first.id, { status: 'succeeded', activeCluster: null });
    await a.update((await a.activeOf('c2'))!.id, { status: 'failed', activeCluster: null });
    // History is ordered by creation time (ms); keep the two rows apart.
    await new Promise((r) => setTimeout(r, 5));
    const next = await b.createQueued('c1', KvOperationKind.failover, { node: 'x' });
    assert.equal((await a.activeOf('c1'))!.id, next.id);
    assert.deepEqual(
      (await a.list('c1', 10)).map((o) => o.kind),
      [KvOperationKind.failover, KvOperationKind.rebalance],
    );
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
