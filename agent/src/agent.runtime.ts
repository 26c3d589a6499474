import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, type AgentHeartbeat } from '@msec/contracts';
import { NATS_CONNECTION } from '@msec/platform';
import { AGENT_CONFIG, type AgentConfig } from './config/agent.config.js';
import { CommandExecutor } from './commands/command-executor.js';
import { CommandListener } from './commands/command-listener.js';
import { CommandVerifier } from './commands/command-verifier.js';
import { KeyRing } from './commands/key-ring.js';
import { NonceJournal } from './commands/nonce-journal.js';
import { NatsEventSink } from './events/event-sink.js';
import { HostMetricsSampler } from './heartbeat/host-metrics.js';
import { InstanceSupervisor } from './supervisor/instance-supervisor.js';

/** Wires the agent's parts together: key ring, nonce journal, supervisor, command listener and heartbeat. */
@Injectable()
export class AgentRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('agent');
  private readonly nonces: NonceJournal;
  private readonly supervisor: InstanceSupervisor;
  private readonly listener: CommandListener;
  private readonly sampler: HostMetricsSampler;
  private readonly events: NatsEventSink;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
  ) {
    const keys = new KeyRing(config.consoleKeyFile, config.stateDir);
    this.nonces = new NonceJournal(config.stateDir);
    this.supervisor = new InstanceSupervisor({
      stateDir: config.stateDir,
      hostIp: config.hostIp,
      natsUrl: config.natsUrl,
      zkConnect: config.zkConnect,
    });
    this.events = new NatsEventSink(nc);
    const executor = new CommandExecutor(config.stateDir, this.supervisor, keys);
    this.listener = new CommandListener(
      config.hostId,
      config.stateDir,
      new CommandVerifier(config.hostId, keys, this.nonces),
      executor,
      this.events,
    );
    this.sampler = new HostMetricsSampler(config.stateDir);
    this.logger.log(`host ${config.hostId} (${config.hostIp}) trusts console keys ${keys.trustedIds(Date.now()).join(', ')}`);
  }

  onApplicationBootstrap(): void {
    this.listener.listen(this.nc);
    this.supervisor.restoreWanted();
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), this.config.heartbeatMs);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.listener.close();
    await this.supervisor.close();
    this.events.close();
    this.nonces.close();
  }

  private beat(): void {
    const heartbeat: AgentHeartbeat = {
      hostId: this.config.hostId,
      ip: this.config.hostIp,
      intervalMs: this.config.heartbeatMs,
      startedAt: this.startedAt,
      sentAt: Date.now(),
      metrics: this.sampler.sample(),
      instances: this.supervisor.list(),
    };
    this.events.publish(DeploySubjects.agentHeartbeat, heartbeat);
  }
}
