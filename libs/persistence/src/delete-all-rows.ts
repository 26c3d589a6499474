import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * Deletes every row of a table inside the caller's transaction. Not `Repository.clear()`: on MySQL and MariaDB that is
 * a TRUNCATE, which commits the open transaction, so a read model emptied for a rebuild would be half-written.
 */
export async function deleteAllRows<T extends ObjectLiteral>(em: EntityManager, entity: EntityTarget<T>): Promise<void> {
  await em.createQueryBuilder().delete().from(entity).execute();
}
