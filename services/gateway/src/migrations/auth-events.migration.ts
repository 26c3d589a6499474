import { createProjectionCheckpointTable } from '@msec/bus';
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Users and API tokens become projections of the gateway's events: the projections' checkpoint table,
 * gateway_secrets (password and token hashes, which events name only by reference) and gateway_token_usage (when a
 * token was last used: volatile, like a heartbeat, so kept apart from the projection), filled from the old column.
 */
export class GatewayAuthEvents1799000000000 implements MigrationInterface {
  name = 'GatewayAuthEvents1799000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'gateway_secrets',
        columns: [
          { name: 'ref', type: 'varchar', length: '36', isPrimary: true },
          { name: 'value', type: 'varchar', length: '255' },
        ],
      }),
      true,
    );
    await q.createTable(
      new Table({
        name: 'gateway_token_usage',
        columns: [
          { name: 'token_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'last_used_at', type: 'bigint' },
        ],
      }),
      true,
    );
    await q.query(
      'INSERT INTO gateway_token_usage (token_id, last_used_at) SELECT id, last_used_at FROM gateway_api_tokens WHERE last_used_at IS NOT NULL',
    );
    await createProjectionCheckpointTable(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('gateway_token_usage', true);
    await q.dropTable('gateway_secrets', true);
  }
}
