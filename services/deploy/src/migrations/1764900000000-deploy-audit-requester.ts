import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** The host-command audit keeps when a command was issued and who asked deploy for it (older rows: null). */
export class DeployAuditRequester1764900000000 implements MigrationInterface {
  name = 'DeployAuditRequester1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns('deploy_audit', [
      new TableColumn({ name: 'issued_at', type: 'bigint', isNullable: true }),
      new TableColumn({ name: 'requested_by', type: 'varchar', length: '160', isNullable: true }),
    ]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('deploy_audit', 'requested_by');
    await q.dropColumn('deploy_audit', 'issued_at');
  }
}
