import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, type DeployEventPayloads } from '@msec/contracts';
import { HostEnrollmentRecord } from './enrollments.entities.js';
import { deleteAllRows } from '@msec/persistence';

type EnrollmentPayloads = Pick<
  DeployEventPayloads,
  'deploy.HostEnrollmentCreated' | 'deploy.HostEnrollmentRedeemed' | 'deploy.HostEnrollmentRevoked'
>;
/** An enrolment token's event. */
export type EnrollmentEvent = { [K in keyof EnrollmentPayloads]: DomainEvent<K, EnrollmentPayloads[K]> }[keyof EnrollmentPayloads];

/** The enrolment tokens read model (`deploy_host_enrollments`), folded from each token's events. */
export class EnrollmentsProjection implements Projection<EnrollmentEvent> {
  readonly service = 'deploy';
  readonly name = 'enrollments';
  readonly subjects = DeployEventSubjects.enrollmentsAll;

  async apply(em: EntityManager, event: EnrollmentEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(HostEnrollmentRecord);
    switch (event.type) {
      case DeployEventType.hostEnrollmentCreated:
        await repo.save({ ...event.payload, redeemedAt: null, redeemedFrom: null, revokedAt: null });
        return;
      case DeployEventType.hostEnrollmentRedeemed:
        await repo.update({ id: event.payload.id }, { redeemedAt: event.payload.redeemedAt, redeemedFrom: event.payload.redeemedFrom });
        return;
      case DeployEventType.hostEnrollmentRevoked:
        await repo.update({ id: event.payload.id }, { revokedAt: event.payload.revokedAt });
        return;
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, HostEnrollmentRecord);
  }
}
