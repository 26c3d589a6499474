import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Remembers which instances were taken out of routing because their host went offline (to route them again). */
export class AddHostOffline1798000000000 implements MigrationInterface {
  name = 'AddHostOffline1798000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.addColumn(
      'registry_instance',
      new TableColumn({ name: 'disabled_by_host', type: 'varchar', length: '128', default: "''" }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropColumn('registry_instance', 'disabled_by_host');
  }
}
