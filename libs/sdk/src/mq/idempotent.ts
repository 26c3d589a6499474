import type { DeliveryContext, BusMessage, IdempotencyGuard, MessageHandler } from '@msec/bus';
import type { DataSource, EntityManager } from 'typeorm';

/** Scope of a de-duplication: by default the subject and group, so two groups each handle a message once. */
export type ScopeOf = (message: BusMessage, ctx: DeliveryContext) => string;

const defaultScope: ScopeOf = (m, ctx) => `${m.subject}:${ctx.group}`;

/**
 * Wraps a handler so that each message id runs it once per scope within the guard's window (Redis,
 * persistent): redeliveries and duplicates are acknowledged without running it again. A failing run
 * releases its claim, so the retry runs.
 */
export function idempotent<TBody = unknown>(
  guard: IdempotencyGuard,
  handler: MessageHandler<TBody>,
  scope: ScopeOf = defaultScope,
): MessageHandler<TBody> {
  return async (message, ctx) => {
    await guard.runOnce(scope(message as BusMessage, ctx), message.msgId, async () => handler(message, ctx));
  };
}

/** A handler whose effects are written with `em`, in the same transaction as the claim of its message id. */
export type TransactionalHandler<TBody = unknown> = (message: BusMessage<TBody>, ctx: DeliveryContext, em: EntityManager) => Promise<void>;

/**
 * QMQ's transactional idempotency: the message id is claimed in `msec_processed_message` inside the
 * handler's own transaction (the data source must include ProcessedMessageEntity), so the claim commits
 * with the effects and a redelivery changes nothing. Trim the window with pruneProcessedMessages.
 */
export function idempotentInTransaction<TBody = unknown>(
  dataSource: DataSource,
  handler: TransactionalHandler<TBody>,
  scope: ScopeOf = defaultScope,
): MessageHandler<TBody> {
  return async (message, ctx) => {
    const { claimMessage } = await import('@msec/bus');
    await dataSource.transaction(async (em) => {
      if (await claimMessage(em, scope(message as BusMessage, ctx), message.msgId)) await handler(message, ctx, em);
    });
  };
}
