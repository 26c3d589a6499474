import { NATS_CONNECTION } from '@msec/platform';
import { Logger, Injectable, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import { BusErrorCode, EventStore, ProjectionRunner, createEvent } from '@msec/bus';
import { DeployEventSubjects, DeployEventType, MsecError, ValidationError, type HostView } from '@msec/contracts';
import { notFound } from '../deploy.errors.js';
import { optionalString, requireString } from '../artifacts/validate.js';
import { deployProjectionRunner } from '../events/deploy-projection-runner.js';
import { HostMaintenanceProjection, type HostEvent } from './host-maintenance.projection.js';
import { HostsProjection } from './hosts.projection.js';

/** Host ids as agents announce them. */
const HOST_ID = /^[A-Za-z0-9_-]{1,100}$/;
/** How often a decision is made again after another deploy process appended to the same host first. */
const MAX_DECISIONS = 5;

/**
 * Host maintenance: taking a host offline (`deploy.HostTakenOffline`) and bringing it back (`deploy.HostBroughtOnline`)
 * are events of the host's aggregate; the registry follows them to take the host's instances out of routing and back,
 * and new releases leave an offline host out. The hosts list shows it from the `deploy_host_maintenance` projection.
 */
@Injectable()
export class HostMaintenanceDomain {
  private readonly logger = new Logger('deploy-host-maintenance');
  private readonly store: EventStore;
  private readonly runner: ProjectionRunner<HostEvent>;

  constructor(
    @Inject(DataSource) dataSource: DataSource,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(HostsProjection) private readonly hosts: HostsProjection,
  ) {
    this.store = new EventStore(nc);
    this.runner = deployProjectionRunner(nc, dataSource, new HostMaintenanceProjection(), this.logger);
  }

  async start(): Promise<void> {
    await this.store.init();
    await this.runner.start();
    await this.runner.waitUntilCaughtUp();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Empties the maintenance read model and replays the host events; answers how many hosts are offline. */
  async rebuild(): Promise<number> {
    await this.runner.rebuild();
    return (await this.hosts.list()).filter((h) => h.offline).length;
  }

  /** Takes a host offline; a host already offline is answered as it is. */
  async offline(body: Record<string, unknown> | null): Promise<HostView> {
    const hostId = requireString(body, 'hostId', HOST_ID, "must be a host id (letters, digits, '-' or '_')");
    const reason = optionalString(body, 'reason');
    if (reason.length > 500) throw new ValidationError('reason', 'must be at most 500 characters');
    const by = optionalString(body, 'by') || 'unknown';
    return this.decide(hostId, (host) =>
      host.offline ? undefined : createEvent(DeployEventType.hostTakenOffline, hostId, { hostId, ip: host.ip, by, reason, at: Date.now() }),
    );
  }

  /** Brings an offline host back; a host that is not offline is answered as it is. */
  async online(body: Record<string, unknown> | null): Promise<HostView> {
    const hostId = requireString(body, 'hostId', HOST_ID, "must be a host id (letters, digits, '-' or '_')");
    const by = optionalString(body, 'by') || 'unknown';
    return this.decide(hostId, (host) =>
      host.offline ? createEvent(DeployEventType.hostBroughtOnline, hostId, { hostId, ip: host.ip, by, at: Date.now() }) : undefined,
    );
  }

  private async decide(hostId: string, eventFor: (host: HostView) => ReturnType<typeof createEvent> | undefined): Promise<HostView> {
    const subject = DeployEventSubjects.host(hostId);
    for (let attempt = 1; ; attempt += 1) {
      const expected = await this.store.lastSequence(subject);
      await this.runner.waitUntilCaughtUp();
      const host = await this.hosts.get(hostId);
      if (!host) throw notFound('host', hostId);
      const event = eventFor(host);
      if (event === undefined) return host;
      try {
        await this.store.append(subject, event, { expectedLastSubjectSeq: expected });
      } catch (error) {
        // the host came up or went down meanwhile (deploy appended to its aggregate): decide again
        if (attempt < MAX_DECISIONS && error instanceof MsecError && error.code === BusErrorCode.appendConflict) continue;
        throw error;
      }
      await this.runner.waitUntilCaughtUp();
      return (await this.hosts.get(hostId))!;
    }
  }
}
