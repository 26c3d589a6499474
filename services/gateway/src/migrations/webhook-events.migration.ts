import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Webhooks become a projection of the gateway's events: their URLs and signing secrets move to
 * gateway_webhook_targets (events name a webhook only by id and the URL's host), filled from the existing rows.
 */
export class GatewayWebhookEvents1799100000000 implements MigrationInterface {
  name = 'GatewayWebhookEvents1799100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'gateway_webhook_targets',
        columns: [
          { name: 'webhook_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'url', type: 'varchar', length: '500' },
          { name: 'secret', type: 'varchar', length: '80' },
        ],
      }),
      true,
    );
    await q.query('INSERT INTO gateway_webhook_targets (webhook_id, url, secret) SELECT id, url, secret FROM gateway_webhooks');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('gateway_webhook_targets', true);
  }
}
