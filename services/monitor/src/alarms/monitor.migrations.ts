import { createProjectionCheckpointTable } from '@msec/bus';
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Creates monitor_alarm_rules and monitor_alarms. */
export class MonitorInitial1763769700000 implements MigrationInterface {
  name = 'MonitorInitial1763769700000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'monitor_alarm_rules',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'service', type: 'varchar', length: '200' },
          { name: 'attr', type: 'varchar', length: '200' },
          { name: 'type', type: 'varchar', length: '16' },
          { name: 'threshold', type: 'double' },
          { name: 'host', type: 'varchar', length: '200', isNullable: true },
          { name: 'webhook_url', type: 'varchar', length: '500', isNullable: true },
          { name: 'enabled', type: 'boolean' },
          { name: 'created_at', type: 'varchar', length: '32' },
          { name: 'updated_at', type: 'varchar', length: '32' },
        ],
      }),
      true,
    );
    await runner.createIndex(
      'monitor_alarm_rules',
      new TableIndex({ name: 'idx_monitor_alarm_rules_service', columnNames: ['service', 'attr'] }),
    );
    await runner.createTable(
      new Table({
        name: 'monitor_alarms',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'rule_id', type: 'varchar', length: '36' },
          { name: 'service', type: 'varchar', length: '200' },
          { name: 'attr', type: 'varchar', length: '200' },
          { name: 'host', type: 'varchar', length: '200', isNullable: true },
          { name: 'type', type: 'varchar', length: '16' },
          { name: 'threshold', type: 'double' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'value', type: 'double', isNullable: true },
          { name: 'message', type: 'varchar', length: '500' },
          { name: 'first_at', type: 'varchar', length: '32' },
          { name: 'last_at', type: 'varchar', length: '32' },
          { name: 'last_minute', type: 'int' },
          { name: 'count', type: 'int' },
          { name: 'recovered_at', type: 'varchar', length: '32', isNullable: true },
        ],
      }),
      true,
    );
    await runner.createIndex('monitor_alarms', new TableIndex({ name: 'idx_monitor_alarms_state', columnNames: ['state', 'last_at'] }));
    await runner.createIndex('monitor_alarms', new TableIndex({ name: 'idx_monitor_alarms_rule', columnNames: ['rule_id'] }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('monitor_alarms', true);
    await runner.dropTable('monitor_alarm_rules', true);
  }
}

/**
 * Alarm rules and alarms become projections of the monitor's events: creates the projections' checkpoint table and
 * monitor_webhook_urls (the webhook URLs that rule events name only by digest).
 */
export class MonitorWebhookUrls1799000000000 implements MigrationInterface {
  name = 'MonitorWebhookUrls1799000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'monitor_webhook_urls',
        columns: [
          { name: 'digest', type: 'varchar', length: '64', isPrimary: true },
          { name: 'url', type: 'varchar', length: '500' },
        ],
      }),
      true,
    );
    await createProjectionCheckpointTable(runner);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('monitor_webhook_urls', true);
  }
}

/** Every monitor migration, oldest first. */
export const MONITOR_MIGRATIONS = [MonitorInitial1763769700000, MonitorWebhookUrls1799000000000];
