import { EntitySchema, Table, type QueryRunner } from 'typeorm';

/** One row per projection: the last stream sequence applied to its read model. */
export interface ProjectionCheckpoint {
  /** `<service>.<projection>`. */
  projection: string;
  lastSeq: number;
  updatedAt: Date;
}

/** TypeORM entity for `projection_checkpoint`; services add it to their DataSource's entities. */
export const ProjectionCheckpointEntity = new EntitySchema<ProjectionCheckpoint>({
  name: 'ProjectionCheckpoint',
  tableName: 'projection_checkpoint',
  columns: {
    projection: { type: 'varchar', length: 200, primary: true },
    lastSeq: { type: 'bigint', name: 'last_seq', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } },
    updatedAt: { type: 'datetime', name: 'updated_at' },
  },
});

/**
 * Creates `projection_checkpoint` if it is missing: the migration that makes a service's tables projections calls it.
 * Services may share one database, so it is never dropped by a service's migration.
 */
export async function createProjectionCheckpointTable(runner: QueryRunner): Promise<void> {
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
