import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The config version published live per service (projection of deploy.ConfigPublished). */
export class DeployLiveConfigs1766000000000 implements MigrationInterface {
  name = 'DeployLiveConfigs1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'deploy_live_configs',
        columns: [
          { name: 'service', type: 'varchar', length: '128', isPrimary: true },
          { name: 'tag', type: 'varchar', length: '64' },
          { name: 'seq', type: 'integer' },
          { name: 'published_at', type: 'bigint' },
          { name: 'published_by', type: 'varchar', length: '160' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deploy_live_configs');
  }
}
