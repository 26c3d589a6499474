import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Adds routing rules to traffic policies and tags to instances. */
export class AddRouting1797000000000 implements MigrationInterface {
  name = 'AddRouting1797000000000';

  async up(runner: QueryRunner): Promise<void> {
    // Nullable text (MySQL gives TEXT no default): null reads as no rules.
    await runner.addColumn('registry_traffic', new TableColumn({ name: 'routes', type: 'text', isNullable: true }));
    await runner.addColumn('registry_instance', new TableColumn({ name: 'tags', type: 'varchar', length: '1100', default: "''" }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('registry_instance', 'tags');
    await runner.dropColumn('registry_traffic', 'routes');
  }
}
