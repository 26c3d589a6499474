import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import type { DomainEvent } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, DeployStreams, type DeployEventPayloads } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { ServicesDomain } from '../services/services.domain.js';
import { DeployEventFollower } from './deploy-event-follower.js';

/** Durable consumer of the registry on deploy's release events. */
const CONSUMER = 'registry_release_succeeded';
/** The consumer earlier versions read the fire-and-forget `released` events with; removed at start. */
const FORMER_CONSUMER = 'registry-released';

type ReleaseSucceeded = DomainEvent<'deploy.ReleaseSucceeded', DeployEventPayloads['deploy.ReleaseSucceeded']>;

/**
 * Step 4 of MSEC's flow: when a release succeeds, its instances are scaled out so callers route to them. Reads
 * deploy's `deploy.ReleaseSucceeded` events from the event stream through a durable consumer, so a release that
 * finished while the registry was down is applied when it returns.
 */
@Injectable()
export class ReleaseListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReleaseListener');
  private readonly follower: DeployEventFollower;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    private readonly domain: ServicesDomain,
  ) {
    this.follower = new DeployEventFollower(
      nc,
      CONSUMER,
      DeployEventSubjects.releasesAll,
      async (event) => {
        if (event.type === DeployEventType.releaseSucceeded) await this.apply(event as ReleaseSucceeded);
      },
      this.logger,
      async (jsm) => void (await jsm.consumers.delete(DeployStreams.events, FORMER_CONSUMER).catch(() => false)),
    );
  }

  onApplicationBootstrap(): void {
    this.follower.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
  }

  private async apply({ payload }: ReleaseSucceeded): Promise<void> {
    const instances = payload.hosts.map((host) => ({ ip: host.ip, port: payload.port }));
    if (instances.length === 0) return;
    await this.domain.ensureService(payload.service);
    const result = await this.domain.scaleOut({ service: payload.service, instances });
    this.logger.log(
      `release ${payload.planId}: scaled out ${payload.service} on ${instances.map((i) => `${i.ip}:${i.port}`).join(', ')} (routes written: ${result.routesWritten})`,
    );
  }
}
