import { createProjectionCheckpointTable } from '@msec/bus';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Release plans become a projection of their events: the bus's projection checkpoint lives in deploy's database. */
export class DeployReleaseEvents1765000000000 implements MigrationInterface {
  name = 'DeployReleaseEvents1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await createProjectionCheckpointTable(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('projection_checkpoint');
  }
}
