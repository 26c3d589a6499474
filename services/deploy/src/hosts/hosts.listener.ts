import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { DeploySubjects, DeployStreams, type AgentAuditEvent, type AgentHeartbeat } from '@msec/contracts';
import { ensureDeployStream } from '../events/deploy-stream.js';
import { NATS_CONNECTION } from '@msec/platform';
import { PULL_EXPIRES_MS, ResilientPull } from '@msec/bus/jetstream';
import { AuditStore } from '../audit/audit.store.js';
import { HOST_SWEEP_MS, HostsProjection } from './hosts.projection.js';

/** Feeds heartbeats and audit events into their read models and runs the down-host sweeper. */
@Injectable()
export class HostsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('deploy-hosts');
  private readonly subs: Subscription[] = [];
  private sweeper: NodeJS.Timeout | null = null;
  private audits: ResilientPull | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly hosts: HostsProjection,
    private readonly audit: AuditStore,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // One queue group: several deploy instances share the heartbeats instead of each writing them.
    this.subs.push(
      this.nc.subscribe(DeploySubjects.agentHeartbeatAll, {
        queue: 'msec-deploy',
        callback: (_e, m) => {
          const heartbeat = m.json<AgentHeartbeat>();
          // The subject's host token is what NATS permissions vouch for; a payload naming another host is dropped.
          if (heartbeat.hostId !== DeploySubjects.agentOfSubject(m.subject)) {
            this.logger.warn(`heartbeat on ${m.subject} claims host '${heartbeat.hostId}'; ignored`);
            return;
          }
          void this.serial(() => this.hosts.onHeartbeat(heartbeat));
        },
      }),
    );
    this.sweeper = setInterval(() => void this.serial(async () => void (await this.hosts.sweep())), HOST_SWEEP_MS);
    // Audit comes through a durable consumer: events sent while deploy was down are stored when it returns. The pull
    // is bound again when it ends or stops hearing from its server (on a cluster the consumer moves when its server dies).
    this.audits = new ResilientPull(
      async () => {
        await ensureDeployStream(this.nc);
        return (await jetstream(this.nc).consumers.get(DeployStreams.events, DeployStreams.auditConsumer)).consume({
          expires: PULL_EXPIRES_MS,
        });
      },
      (m) =>
        this.serial(async () => {
          const event = m.json<AgentAuditEvent>();
          if (event.hostId === DeploySubjects.agentOfSubject(m.subject)) await this.audit.record(event);
          else this.logger.warn(`audit record on ${m.subject} claims host '${event.hostId}'; ignored`);
          m.ack();
        }),
    );
    await this.audits.start();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const sub of this.subs) sub.unsubscribe();
    await this.audits?.stop();
    await this.chain;
  }

  /** Runs `work` after everything queued before it; resolves when it is done (its error logged). */
  private serial(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(work).catch((error: unknown) => this.logger.error(String(error)));
    return this.chain;
  }
}
