import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DomainEvent } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, type DeployEventPayloads } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { ServicesDomain } from '../services/services.domain.js';
import { DeployEventFollower } from './deploy-event-follower.js';

/** Durable consumer of the registry on deploy's host events. */
const CONSUMER = 'registry_host_maintenance';

type TakenOffline = DomainEvent<'deploy.HostTakenOffline', DeployEventPayloads['deploy.HostTakenOffline']>;
type BroughtOnline = DomainEvent<'deploy.HostBroughtOnline', DeployEventPayloads['deploy.HostBroughtOnline']>;

/**
 * Host maintenance: a host taken offline has every routed instance at its address taken out of routing (naming the
 * host); brought back online, those instances are routed again. Follows deploy's host events durably, so a change made
 * while the registry was down is applied when it returns.
 */
@Injectable()
export class HostMaintenanceListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('HostMaintenanceListener');
  private readonly follower: DeployEventFollower;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly domain: ServicesDomain,
  ) {
    this.follower = new DeployEventFollower(nc, CONSUMER, DeployEventSubjects.hostsAll, (event) => this.apply(event), this.logger);
  }

  onApplicationBootstrap(): void {
    this.follower.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
  }

  private async apply(event: DomainEvent): Promise<void> {
    if (event.type === DeployEventType.hostTakenOffline) {
      const { hostId, ip } = (event as TakenOffline).payload;
      const count = await this.domain.drainHost(hostId, ip);
      this.logger.log(`host ${hostId} offline: ${count} instance(s) at ${ip} taken out of routing`);
    } else if (event.type === DeployEventType.hostBroughtOnline) {
      const { hostId, ip } = (event as BroughtOnline).payload;
      const count = await this.domain.restoreHost(hostId, ip);
      this.logger.log(`host ${hostId} online: ${count} instance(s) at ${ip} routed again`);
    }
  }
}
