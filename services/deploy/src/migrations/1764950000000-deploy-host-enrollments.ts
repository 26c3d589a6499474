import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** One-time enrolment tokens for new hosts (by hash). */
export class DeployHostEnrollments1764950000000 implements MigrationInterface {
  name = 'DeployHostEnrollments1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'deploy_host_enrollments',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'host_id', type: 'varchar', length: '128' },
          { name: 'token_hash', type: 'varchar', length: '64' },
          { name: 'created_at', type: 'bigint' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'created_by', type: 'varchar', length: '160' },
          { name: 'redeemed_at', type: 'bigint', isNullable: true },
          { name: 'redeemed_from', type: 'varchar', length: '64', isNullable: true },
          { name: 'revoked_at', type: 'bigint', isNullable: true },
        ],
      }),
    );
    await q.createIndex(
      'deploy_host_enrollments',
      new TableIndex({ name: 'uq_deploy_host_enrollments_token', columnNames: ['token_hash'], isUnique: true }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deploy_host_enrollments');
  }
}
