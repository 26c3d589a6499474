import type { DataSource, EntityManager } from 'typeorm';

/** The transaction chain of each embedded (single-connection) database in this process. */
const chains = new WeakMap<DataSource, Promise<void>>();

/** Whether the database is one connection shared by the whole process (SQLite), so transactions must not overlap. */
function singleConnection(dataSource: DataSource): boolean {
  return dataSource.options.type === 'better-sqlite3';
}

/**
 * Runs `work` in a transaction. On SQLite the process has one connection, and two transactions begun by unrelated
 * code (two projections, a projection and a batch writer) would interleave their statements on it ("cannot start a
 * transaction within a transaction"): there they run one after another. On MySQL each gets its own connection.
 */
export function serialTransaction<T>(dataSource: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  if (!singleConnection(dataSource)) return dataSource.transaction(work);
  const before = chains.get(dataSource) ?? Promise.resolve();
  const run = before.then(() => dataSource.transaction(work));
  chains.set(
    dataSource,
    run.then(
      () => undefined,
      () => undefined,
    ),
  );
  return run;
}
