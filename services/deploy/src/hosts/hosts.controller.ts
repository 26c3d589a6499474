import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DeploySubjects, type AgentAuditEvent, type HostView } from '@msec/contracts';
import { AuditStore, type AuditQuery } from '../audit/audit.store.js';
import { HostsProjection } from './hosts.projection.js';
import { HostMaintenanceDomain } from './host-maintenance.domain.js';

/** Hosts and audit queries. */
@Controller()
export class HostsController {
  constructor(
    private readonly hosts: HostsProjection,
    private readonly audit: AuditStore,
    private readonly maintenance: HostMaintenanceDomain,
  ) {}

  @MessagePattern(DeploySubjects.hostsOffline)
  offline(@Payload() body: Record<string, unknown> | null): Promise<HostView> {
    return this.maintenance.offline(body);
  }

  @MessagePattern(DeploySubjects.hostsOnline)
  online(@Payload() body: Record<string, unknown> | null): Promise<HostView> {
    return this.maintenance.online(body);
  }

  @MessagePattern(DeploySubjects.hostsList)
  list(): Promise<HostView[]> {
    return this.hosts.list();
  }

  @MessagePattern(DeploySubjects.auditList)
  auditList(@Payload() query: AuditQuery | null): Promise<AgentAuditEvent[]> {
    return this.audit.list(query ?? {});
  }
}
