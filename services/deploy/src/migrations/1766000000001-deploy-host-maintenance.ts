import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Hosts taken offline for maintenance (projection of deploy.HostTakenOffline / deploy.HostBroughtOnline). */
export class DeployHostMaintenance1766000000001 implements MigrationInterface {
  name = 'DeployHostMaintenance1766000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'deploy_host_maintenance',
        columns: [
          { name: 'host_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'ip', type: 'varchar', length: '64' },
          { name: 'since', type: 'bigint' },
          { name: 'taken_by', type: 'varchar', length: '160' },
          { name: 'reason', type: 'varchar', length: '500' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deploy_host_maintenance');
  }
}
