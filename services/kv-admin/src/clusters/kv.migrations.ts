import { createProjectionCheckpointTable } from '@msec/bus';
import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Creates kv_clusters and kv_operations. */
export class KvInitial1763769600000 implements MigrationInterface {
  name = 'KvInitial1763769600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'kv_clusters',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'seeds', type: 'text' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
      true,
    );
    await runner.createTable(
      new Table({
        name: 'kv_operations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'cluster', type: 'varchar', length: '64' },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'active_cluster', type: 'varchar', length: '64', isNullable: true },
          { name: 'params', type: 'text' },
          { name: 'state', type: 'text' },
          { name: 'percent', type: 'int' },
          { name: 'step', type: 'varchar', length: '128' },
          { name: 'message', type: 'varchar', length: '1024' },
          { name: 'error', type: 'text', isNullable: true },
          { name: 'runs', type: 'int' },
          { name: 'created_at', type: 'varchar', length: '32' },
          { name: 'started_at', type: 'varchar', length: '32', isNullable: true },
          { name: 'finished_at', type: 'varchar', length: '32', isNullable: true },
        ],
      }),
      true,
    );
    await runner.createIndex(
      'kv_operations',
      new TableIndex({ name: 'idx_kv_operations_cluster', columnNames: ['cluster', 'created_at'] }),
    );
    // One queued or running operation per cluster, even with several kv-admin instances.
    await runner.createIndex(
      'kv_operations',
      new TableIndex({ name: 'uq_kv_operations_active', columnNames: ['active_cluster'], isUnique: true }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('kv_operations', true);
    await runner.dropTable('kv_clusters', true);
  }
}

/** Adds the sealed password of a cluster. */
export class KvClusterPassword1764800000000 implements MigrationInterface {
  name = 'KvClusterPassword1764800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn('kv_clusters', new TableColumn({ name: 'password_sealed', type: 'text', isNullable: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('kv_clusters', 'password_sealed');
  }
}

/**
 * Cluster registrations become a projection of kv-admin's events: the projections' checkpoint table and
 * kv_cluster_secrets (sealed passwords, which events name only by reference).
 */
export class KvClusterEvents1799000000000 implements MigrationInterface {
  name = 'KvClusterEvents1799000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'kv_cluster_secrets',
        columns: [
          { name: 'ref', type: 'varchar', length: '36', isPrimary: true },
          { name: 'sealed', type: 'text' },
        ],
      }),
      true,
    );
    await createProjectionCheckpointTable(runner);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('kv_cluster_secrets', true);
  }
}

/** Every kv-admin migration, oldest first. */
export const KV_MIGRATIONS = [KvInitial1763769600000, KvClusterPassword1764800000000, KvClusterEvents1799000000000];
