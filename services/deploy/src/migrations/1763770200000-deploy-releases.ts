import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Release plans. */
export class DeployReleases1763770200000 implements MigrationInterface {
  name = 'DeployReleases1763770200000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'deploy_releases',
        columns: [
          { name: 'plan_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'service', type: 'varchar', length: '128' },
          { name: 'port', type: 'integer' },
          { name: 'target_json', type: 'text' },
          { name: 'strategy_json', type: 'text' },
          { name: 'hosts_json', type: 'text' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'error', type: 'text', isNullable: true },
          { name: 'run_no', type: 'integer' },
          { name: 'canary_approved', type: 'integer' },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex('deploy_releases', new TableIndex({ name: 'idx_deploy_releases_service', columnNames: ['service', 'created_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deploy_releases');
  }
}
