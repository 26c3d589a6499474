import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Adds the traffic policies of services (rate limits, breaker settings). */
export class CreateTraffic1796000000000 implements MigrationInterface {
  name = 'CreateTraffic1796000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'registry_traffic',
        columns: [
          { name: 'service', type: 'varchar', length: '128', isPrimary: true },
          { name: 'version', type: 'int' },
          { name: 'limits', type: 'text' },
          { name: 'breaker', type: 'text' },
          { name: 'updated_by', type: 'varchar', length: '64' },
          { name: 'updated_at', type: 'varchar', length: '32' },
        ],
      }),
      true,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('registry_traffic');
  }
}
