import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Creates the registry's read model: services and their instances. */
export class CreateRegistry1732200000000 implements MigrationInterface {
  name = 'CreateRegistry1732200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: 'registry_service',
        columns: [
          { name: 'name', type: 'varchar', length: '128', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'protocol', type: 'varchar', length: '32' },
          { name: 'memo', type: 'varchar', length: '512' },
          { name: 'created_at', type: 'varchar', length: '32' },
        ],
      }),
      true,
    );
    await runner.createTable(
      new Table({
        name: 'registry_instance',
        columns: [
          { name: 'service', type: 'varchar', length: '128', isPrimary: true },
          { name: 'ip', type: 'varchar', length: '64', isPrimary: true },
          { name: 'port', type: 'int', isPrimary: true },
          { name: 'weight', type: 'int' },
          { name: 'enabled', type: 'boolean' },
        ],
      }),
      true,
    );
    // The bus's projection checkpoint (@msec/bus ProjectionCheckpointEntity) lives in the same database.
    await runner.createTable(
      new Table({
        name: 'projection_checkpoint',
        columns: [
          { name: 'projection', type: 'varchar', length: '200', isPrimary: true },
          { name: 'last_seq', type: 'bigint' },
          { name: 'updated_at', type: 'datetime' },
        ],
      }),
      true,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('projection_checkpoint');
    await runner.dropTable('registry_instance');
    await runner.dropTable('registry_service');
  }
}
