import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DeploySubjects, type HostEnrollmentCreated, type HostEnrollmentGrant, type HostEnrollmentView } from '@msec/contracts';
import { describeRequester, requireAdmin } from '../signing/command-requester.js';
import { EnrollmentsDomain } from './enrollments.domain.js';

/** Enrolment of new hosts: admins create tokens, the gateway redeems them for an agent that has no credentials yet. */
@Controller()
export class EnrollmentsController {
  constructor(private readonly enrollments: EnrollmentsDomain) {}

  @MessagePattern(DeploySubjects.hostsEnroll)
  create(@Payload() body: { hostId?: unknown; ttlMinutes?: unknown; actor?: unknown } | null): Promise<HostEnrollmentCreated> {
    // A token is a host's NATS identity to be: only an admin may hand one out.
    const actor = requireAdmin(body?.actor, 'enrol a host');
    return this.enrollments.create(body?.hostId, body?.ttlMinutes, describeRequester(actor));
  }

  @MessagePattern(DeploySubjects.hostsEnrollments)
  list(): Promise<HostEnrollmentView[]> {
    return this.enrollments.list();
  }

  @MessagePattern(DeploySubjects.hostsEnrollmentRevoke)
  revoke(@Payload() body: { id?: unknown; actor?: unknown } | null): Promise<HostEnrollmentView> {
    requireAdmin(body?.actor, 'cancel an enrolment token');
    return this.enrollments.revoke(body?.id);
  }

  @MessagePattern(DeploySubjects.hostsRedeem)
  redeem(@Payload() body: { token?: unknown; from?: unknown } | null): Promise<HostEnrollmentGrant> {
    return this.enrollments.redeem(body?.token, body?.from);
  }
}
