import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Hosts read model and agent command audit. */
export class DeployHostsAudit1763770000000 implements MigrationInterface {
  name = 'DeployHostsAudit1763770000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'deploy_hosts',
        columns: [
          { name: 'host_id', type: 'varchar', length: '128', isPrimary: true },
          { name: 'ip', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '8' },
          { name: 'last_seen_at', type: 'bigint' },
          { name: 'interval_ms', type: 'integer' },
          { name: 'metrics_json', type: 'text' },
          { name: 'instances_json', type: 'text' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'deploy_audit',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'host_id', type: 'varchar', length: '128' },
          { name: 'command_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'type', type: 'varchar', length: '64', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'code', type: 'varchar', length: '64', isNullable: true },
          { name: 'reason', type: 'text', isNullable: true },
          { name: 'key_id', type: 'varchar', length: '32', isNullable: true },
          { name: 'args_digest', type: 'varchar', length: '64', isNullable: true },
          { name: 'received_at', type: 'bigint' },
          { name: 'duration_ms', type: 'integer' },
        ],
      }),
    );
    await q.createIndex('deploy_audit', new TableIndex({ name: 'idx_deploy_audit_host', columnNames: ['host_id', 'received_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('deploy_audit');
    await q.dropTable('deploy_hosts');
  }
}
