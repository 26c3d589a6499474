import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DeploySubjects, type AgentAuditEvent, type HostView } from '@msec/contracts';
import { AuditStore, type AuditQuery } from '../audit/audit.store.js';
import { HostsProjection } from './hosts.projection.js';

/** Hosts and audit queries. */
@Controller()
export class HostsController {
  constructor(
    private readonly hosts: HostsProjection,
    private readonly audit: AuditStore,
  ) {}

  @MessagePattern(DeploySubjects.hostsList)
  list(): Promise<HostView[]> {
    return this.hosts.list();
  }

  @MessagePattern(DeploySubjects.auditList)
  auditList(@Payload() query: AuditQuery | null): Promise<AgentAuditEvent[]> {
    return this.audit.list(query ?? {});
  }
}
