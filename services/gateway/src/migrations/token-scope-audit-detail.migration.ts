import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * API tokens get a scope (existing tokens become `read-write` and keep their expiry); audit entries get a detail
 * (what the call ended or changed) and an index on `at` so retention can prune by age without a full scan.
 */
export class GatewayTokenScopeAuditDetail1764950000000 implements MigrationInterface {
  name = 'GatewayTokenScopeAuditDetail1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn(
      'gateway_api_tokens',
      new TableColumn({ name: 'scope', type: 'varchar', length: '16', isNullable: false, default: "'read-write'" }),
    );
    await q.addColumn('gateway_audit_log', new TableColumn({ name: 'detail', type: 'varchar', length: '200', isNullable: true }));
    await q.createIndex('gateway_audit_log', new TableIndex({ name: 'idx_gateway_audit_at', columnNames: ['at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('gateway_audit_log', 'idx_gateway_audit_at');
    await q.dropColumn('gateway_audit_log', 'detail');
    await q.dropColumn('gateway_api_tokens', 'scope');
  }
}
