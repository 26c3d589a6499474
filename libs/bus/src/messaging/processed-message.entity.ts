import { EntitySchema, LessThan, type DataSource, type EntityManager } from 'typeorm';
import { validateMsgId } from './message-validation.js';

/** A message id handled by a consumer scope, written in the same transaction as the handler's effects. */
export interface ProcessedMessage {
  /** `<subject>:<group>` or any scope the caller picks. */
  scope: string;
  msgId: string;
  processedAt: Date;
}

/** TypeORM entity for `msec_processed_message`; services add it to their DataSource's entities. */
export const ProcessedMessageEntity = new EntitySchema<ProcessedMessage>({
  name: 'ProcessedMessage',
  tableName: 'msec_processed_message',
  columns: {
    scope: { type: 'varchar', length: 255, primary: true },
    msgId: { type: 'varchar', length: 128, primary: true, name: 'msg_id' },
    processedAt: { type: 'datetime', name: 'processed_at' },
  },
  indices: [{ name: 'idx_msec_processed_at', columns: ['processedAt'] }],
});

/**
 * Claims (scope, msgId) inside the caller's transaction: true the first time, false when already handled.
 * Committed together with the handler's writes, a redelivery finds the row and has no effect (exactly-once effect).
 */
export async function claimMessage(em: EntityManager, scope: string, msgId: string): Promise<boolean> {
  validateMsgId(msgId);
  const repo = em.getRepository(ProcessedMessageEntity);
  if (await repo.existsBy({ scope, msgId })) return false;
  await repo.insert({ scope, msgId, processedAt: new Date() });
  return true;
}

/** Forgets claims older than the de-duplication window; returns how many rows went. */
export async function pruneProcessedMessages(dataSource: DataSource, windowMs: number): Promise<number> {
  const result = await dataSource.getRepository(ProcessedMessageEntity).delete({ processedAt: LessThan(new Date(Date.now() - windowMs)) });
  return result.affected ?? 0;
}
