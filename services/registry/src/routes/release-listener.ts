import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BusStreams, BusSubjects, ensureBusStreams, type DomainEvent } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, DeployStreams, type DeployEventPayloads } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { ServicesDomain } from '../services/services.domain.js';

/** Durable consumer of the registry on deploy's release events. */
const CONSUMER = 'registry_release_succeeded';
/** The consumer earlier versions read the fire-and-forget `released` events with; removed at start. */
const FORMER_CONSUMER = 'registry-released';
/** How long to wait before trying again after a failure. */
const RETRY_MS = 5_000;

type ReleaseSucceeded = DomainEvent<'deploy.ReleaseSucceeded', DeployEventPayloads['deploy.ReleaseSucceeded']>;

/**
 * Step 4 of MSEC's flow: when a release succeeds, its instances are scaled out so callers route to them. Reads
 * deploy's `deploy.ReleaseSucceeded` events from the event stream through a durable consumer, so a release that
 * finished while the registry was down is applied when it returns.
 */
@Injectable()
export class ReleaseListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReleaseListener');
  private messages: ConsumerMessages | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly domain: ServicesDomain,
  ) {}

  onApplicationBootstrap(): void {
    void this.attach();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.messages?.close();
  }

  private async attach(): Promise<void> {
    if (this.stopped) return;
    try {
      const jsm = await jetstreamManager(this.nc);
      await ensureBusStreams(jsm);
      await jsm.consumers.delete(DeployStreams.events, FORMER_CONSUMER).catch(() => false);
      await jsm.consumers.info(BusStreams.events, CONSUMER).catch(() =>
        jsm.consumers.add(BusStreams.events, {
          durable_name: CONSUMER,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: BusSubjects.event(DeployEventSubjects.releasesAll),
        }),
      );
      const consumer = await jetstream(this.nc).consumers.get(BusStreams.events, CONSUMER);
      this.messages = await consumer.consume();
      for await (const message of this.messages) {
        const event = message.json<DomainEvent>();
        if (event.type !== DeployEventType.releaseSucceeded) {
          message.ack();
          continue;
        }
        try {
          await this.apply(event as ReleaseSucceeded);
          message.ack();
        } catch (error) {
          this.logger.warn(`release event ${message.seq} not applied yet: ${error instanceof Error ? error.message : String(error)}`);
          message.nak(RETRY_MS);
        }
      }
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(`release events not followed yet: ${error instanceof Error ? error.message : String(error)}`);
      this.timer = setTimeout(() => void this.attach(), RETRY_MS);
      this.timer.unref();
    }
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
