import type { EntityManager } from 'typeorm';
import type { DomainEvent, EventMeta, Projection } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, type DeployEventPayloads } from '@msec/contracts';
import { HostMaintenanceRecord } from './hosts.entities.js';
import { deleteAllRows } from '@msec/persistence';

/** An event of a host's aggregate (up and down events are there too; this projection skips them). */
export type HostEvent =
  | DomainEvent<'deploy.HostTakenOffline', DeployEventPayloads['deploy.HostTakenOffline']>
  | DomainEvent<'deploy.HostBroughtOnline', DeployEventPayloads['deploy.HostBroughtOnline']>
  | DomainEvent<string, unknown>;

/** `deploy_host_maintenance`: the hosts that are offline now, with who took them offline, when and why. */
export class HostMaintenanceProjection implements Projection<HostEvent> {
  readonly service = 'deploy';
  readonly name = 'host_maintenance';
  readonly subjects = DeployEventSubjects.hostsAll;

  async apply(em: EntityManager, event: HostEvent, _meta: EventMeta): Promise<void> {
    const repo = em.getRepository(HostMaintenanceRecord);
    if (event.type === DeployEventType.hostTakenOffline) {
      const { hostId, ip, by, reason, at } = event.payload as DeployEventPayloads['deploy.HostTakenOffline'];
      await repo.save({ hostId, ip, since: at, by, reason });
    } else if (event.type === DeployEventType.hostBroughtOnline) {
      await repo.delete({ hostId: (event.payload as DeployEventPayloads['deploy.HostBroughtOnline']).hostId });
    }
  }

  async reset(em: EntityManager): Promise<void> {
    await deleteAllRows(em, HostMaintenanceRecord);
  }
}
