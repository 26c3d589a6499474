import type { EntityManager } from 'typeorm';
import { deleteAllRows } from '@msec/persistence';
import { AUDIT_TRAIL, type DomainEvent, type EventMeta, type Projection } from '@msec/bus';
import { GatewayEventSubjects, GatewayEventType, type GatewayEventPayloads } from '@msec/contracts';
import { AuditEntryEntity } from './audit.entities.js';

/** An event of the audit trail with its typed payload. */
export type AuditEvent =
  | DomainEvent<typeof GatewayEventType.callAudited, GatewayEventPayloads['gateway.CallAudited']>
  | DomainEvent<typeof GatewayEventType.auditImported, GatewayEventPayloads['gateway.AuditImported']>;

/**
 * The audit log (`gateway_audit_log`), fed by the audit stream. An entry's id is its event's sequence in that stream, so
 * ids grow in the order calls ended and a rebuild gives every entry the id it had; an imported entry keeps the id
 * the older gateway gave it (the stream was started above those).
 */
export class AuditProjection implements Projection<AuditEvent> {
  readonly service = 'gateway';
  readonly name = 'audit';
  readonly subjects = GatewayEventSubjects.audit;
  readonly source = AUDIT_TRAIL;

  async apply(em: EntityManager, event: AuditEvent, meta: EventMeta): Promise<void> {
    // An imported entry keeps the id it had; its former id is not a column.
    const { formerId, ...call } = { formerId: undefined, ...event.payload };
    await em.getRepository(AuditEntryEntity).save({ id: formerId ?? meta.seq, ...call });
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, AuditEntryEntity);
  }
}
