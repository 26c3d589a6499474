import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'bigint', isNullable: nullable });
const str = (name: string, length: number, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  ...extra,
});

/** Users, sessions, API tokens and the audit log (dialect-neutral: SQLite and MariaDB). */
export class GatewaySchema1763769600000 implements MigrationInterface {
  name = 'GatewaySchema1763769600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'gateway_users',
        columns: [
          str('id', 36, { isPrimary: true }),
          str('username', 64, { isUnique: true }),
          str('password_hash', 255),
          str('role', 16),
          { name: 'must_change_password', type: 'boolean' },
          ms('created_at'),
          ms('updated_at'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'gateway_sessions',
        columns: [str('id', 64, { isPrimary: true }), str('user_id', 36), str('csrf_token', 64), ms('created_at'), ms('expires_at')],
        indices: [new TableIndex({ name: 'idx_gateway_sessions_user', columnNames: ['user_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'gateway_api_tokens',
        columns: [
          str('id', 36, { isPrimary: true }),
          str('user_id', 36),
          str('name', 100),
          str('token_hash', 64, { isUnique: true }),
          str('prefix', 16),
          ms('created_at'),
          ms('expires_at', true),
          ms('last_used_at', true),
          ms('revoked_at', true),
        ],
        indices: [new TableIndex({ name: 'idx_gateway_api_tokens_user', columnNames: ['user_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'gateway_audit_log',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          ms('at'),
          str('actor', 64),
          str('role', 16),
          str('via', 8),
          str('method', 8),
          str('path', 300),
          { name: 'status', type: 'integer' },
          str('result', 64),
          str('ip', 64),
          str('request_id', 64),
        ],
        indices: [new TableIndex({ name: 'idx_gateway_audit_actor', columnNames: ['actor'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['gateway_audit_log', 'gateway_api_tokens', 'gateway_sessions', 'gateway_users']) await q.dropTable(table);
  }
}
