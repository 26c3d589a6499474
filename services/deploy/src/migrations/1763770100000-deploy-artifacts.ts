import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** IDL versions, config versions and packages. */
export class DeployArtifacts1763770100000 implements MigrationInterface {
  name = 'DeployArtifacts1763770100000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'deploy_idl_versions',
        columns: [
          { name: 'service', type: 'varchar', length: '128', isPrimary: true },
          { name: 'tag', type: 'varchar', length: '64', isPrimary: true },
          { name: 'memo', type: 'text' },
          { name: 'files_json', type: 'text' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'deploy_config_versions',
        columns: [
          { name: 'service', type: 'varchar', length: '128', isPrimary: true },
          { name: 'tag', type: 'varchar', length: '64', isPrimary: true },
          { name: 'memo', type: 'text' },
          { name: 'content', type: 'text' },
          { name: 'seq', type: 'integer' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'deploy_packages',
        columns: [
          { name: 'name', type: 'varchar', length: '128', isPrimary: true },
          { name: 'version', type: 'varchar', length: '64', isPrimary: true },
          { name: 'sha256', type: 'varchar', length: '64' },
          { name: 'size', type: 'integer' },
          { name: 'entry', type: 'varchar', length: '256' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deploy_packages');
    await q.dropTable('deploy_config_versions');
    await q.dropTable('deploy_idl_versions');
  }
}
