import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Release plans become a projection of their events: the bus's projection checkpoint lives in deploy's database. */
export class DeployReleaseEvents1765000000000 implements MigrationInterface {
  name = 'DeployReleaseEvents1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
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

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('projection_checkpoint');
  }
}
