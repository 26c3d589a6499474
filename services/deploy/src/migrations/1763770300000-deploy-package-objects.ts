import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Packages move into the JetStream Object Store: each row names its bucket and object (null: still on disk). */
export class DeployPackageObjects1763770300000 implements MigrationInterface {
  name = 'DeployPackageObjects1763770300000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('deploy_packages', [
      new TableColumn({ name: 'bucket', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'object_name', type: 'varchar', length: '256', isNullable: true }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('deploy_packages', 'object_name');
    await q.dropColumn('deploy_packages', 'bucket');
  }
}
