import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, DeployStreams, type ReleasedEvent } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { ServicesDomain } from '../services/services.domain.js';

/** Durable consumer name of the registry on the deploy events stream. */
const CONSUMER = 'registry-released';
/** How long to wait before looking again for the deploy stream when the deploy service has not created it yet. */
const STREAM_RETRY_MS = 5_000;

/**
 * Step 4 of MSEC's flow: when a release succeeds, its instances are scaled out so callers route to them. Reads
 * `msec.events.deploy.released` through a durable JetStream consumer, so a release finished while the registry
 * was down is still applied when it returns.
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
      await jsm.streams.info(DeployStreams.events);
      await jsm.consumers.info(DeployStreams.events, CONSUMER).catch(() =>
        jsm.consumers.add(DeployStreams.events, {
          durable_name: CONSUMER,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: DeploySubjects.released,
        }),
      );
      const consumer = await jetstream(this.nc).consumers.get(DeployStreams.events, CONSUMER);
      this.messages = await consumer.consume();
      for await (const message of this.messages) {
        try {
          await this.apply(message.json<ReleasedEvent>());
          message.ack();
        } catch (error) {
          this.logger.warn(`released event ${message.seq} not applied yet: ${error instanceof Error ? error.message : String(error)}`);
          message.nak(STREAM_RETRY_MS);
        }
      }
    } catch {
      // The deploy service creates its stream at start; until then, look again later.
      this.timer = setTimeout(() => void this.attach(), STREAM_RETRY_MS);
      this.timer.unref();
    }
  }

  private async apply(event: ReleasedEvent): Promise<void> {
    const instances = event.hosts.map((host) => ({ ip: host.ip, port: event.port }));
    if (instances.length === 0) return;
    await this.domain.ensureService(event.service);
    const result = await this.domain.scaleOut({ service: event.service, instances });
    this.logger.log(
      `release ${event.planId}: scaled out ${event.service} on ${instances.map((i) => `${i.ip}:${i.port}`).join(', ')} (routes written: ${result.routesWritten})`,
    );
  }
}
