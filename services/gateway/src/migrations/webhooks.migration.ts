import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Event webhooks and their delivery log. */
export class GatewayWebhooks1765100000000 implements MigrationInterface {
  name = 'GatewayWebhooks1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'gateway_webhooks',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'url', type: 'varchar', length: '500' },
          { name: 'event_types', type: 'varchar', length: '2000' },
          { name: 'secret', type: 'varchar', length: '80' },
          { name: 'max_attempts', type: 'int' },
          { name: 'created_at', type: 'bigint' },
          { name: 'created_by', type: 'varchar', length: '64' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'gateway_webhook_deliveries',
        columns: [
          { name: 'webhook_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'event_id', type: 'varchar', length: '200', isPrimary: true },
          { name: 'event_type', type: 'varchar', length: '200' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'int' },
          { name: 'last_status', type: 'int', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '500', isNullable: true },
          { name: 'created_at', type: 'bigint' },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await q.createIndex(
      'gateway_webhook_deliveries',
      new TableIndex({ name: 'idx_gateway_webhook_deliveries_updated', columnNames: ['webhook_id', 'updated_at'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('gateway_webhook_deliveries');
    await q.dropTable('gateway_webhooks');
  }
}
