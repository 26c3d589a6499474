import type { NatsConnection } from '@nats-io/transport-node';
import { DeploySubjects, HOST_METRICS_SERVICE, type AgentHeartbeat } from '@msec/contracts';
import { MonitorReporter } from '@msec/sdk/monitor';
import { AgentLogger } from './agent-logger.js';
import type { AgentConfig } from './config/agent.config.js';
import { AuditJournal } from './commands/audit-journal.js';
import { CommandExecutor } from './commands/command-executor.js';
import { CommandListener } from './commands/command-listener.js';
import { CommandVerifier } from './commands/command-verifier.js';
import { KeyRing } from './commands/key-ring.js';
import { NonceJournal } from './commands/nonce-journal.js';
import { ObjectStorePackageSource } from './commands/package-fetcher.js';
import { findRuntimeModules } from './supervisor/runtime-modules.js';
import { NatsEventSink } from './events/event-sink.js';
import { HostMetricsSampler } from './heartbeat/host-metrics.js';
import { InstanceSupervisor } from './supervisor/instance-supervisor.js';

/** Monitor service name under which every agent reports its host's metrics (host = the agent's host id). */
export { HOST_METRICS_SERVICE };

/** Wires the agent's parts together: key ring, nonce journal, supervisor, command listener and heartbeat. */
export class AgentRuntime {
  private readonly logger = new AgentLogger('agent');
  private readonly nonces: NonceJournal;
  private readonly supervisor: InstanceSupervisor;
  private readonly listener: CommandListener;
  private readonly sampler: HostMetricsSampler;
  private readonly events: NatsEventSink;
  private heartbeat: NodeJS.Timeout | null = null;
  /** Host metrics become per-minute curves of service `Msec.hosts`, one host per agent, so alarms work on them too. */
  private readonly hostCurves: MonitorReporter;
  private readonly startedAt = Date.now();

  constructor(
    private readonly nc: NatsConnection,
    private readonly config: AgentConfig,
  ) {
    const keys = new KeyRing(config.consoleKeyFile, config.stateDir);
    this.nonces = new NonceJournal(config.stateDir);
    this.supervisor = new InstanceSupervisor({
      stateDir: config.stateDir,
      hostIp: config.hostIp,
      natsUrl: config.natsUrl,
      natsTlsCa: config.natsTlsCa,
      zkConnect: config.zkConnect,
      streamReplicas: config.streamReplicas,
      hostId: config.hostId,
    });
    this.events = new NatsEventSink(nc);
    const runtimeModules = config.runtimeModules || findRuntimeModules(import.meta.url);
    if (!runtimeModules) this.logger.warn('no node_modules with @msec/sdk found: packages must bring their own node_modules');
    const executor = new CommandExecutor(config.stateDir, this.supervisor, keys, new ObjectStorePackageSource(nc), runtimeModules);
    this.listener = new CommandListener(
      config.hostId,
      new AuditJournal(config.stateDir, {
        maxBytes: config.auditMaxBytes,
        keep: config.auditKeepFiles,
        retentionMs: config.auditRetentionDays * 86_400_000,
      }),
      new CommandVerifier(config.hostId, keys, this.nonces),
      executor,
      this.events,
    );
    this.sampler = new HostMetricsSampler(config.stateDir);
    this.hostCurves = new MonitorReporter({ nc, service: HOST_METRICS_SERVICE, host: config.hostId, instance: `agent-${config.hostId}` });
    this.logger.log(`host ${config.hostId} (${config.hostIp}) trusts console keys ${keys.trustedIds(Date.now()).join(', ')}`);
  }

  /** Listens for commands, restarts the instances wanted before, and starts the heartbeat. */
  start(): void {
    this.listener.listen(this.nc);
    this.supervisor.restoreWanted();
    this.beat();
    this.heartbeat = setInterval(() => this.beat(), this.config.heartbeatMs);
  }

  /** Stops listening and beating, and stops the instances gracefully. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.listener.close();
    await this.supervisor.close();
    this.events.close();
    this.nonces.close();
    await this.hostCurves.close().catch(() => undefined);
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
    this.events.publish(DeploySubjects.agentHeartbeat(heartbeat.hostId), heartbeat);
    this.reportCurves(heartbeat.metrics);
  }

  private reportCurves(metrics: AgentHeartbeat['metrics']): void {
    const percent = (used: number, total: number): number => (total > 0 ? Math.round((used / total) * 1000) / 10 : 0);
    this.hostCurves.set('host.cpu_pct', metrics.cpuPercent, 'avg');
    this.hostCurves.set('host.load1', metrics.load[0], 'avg');
    this.hostCurves.set('host.mem_used_pct', percent(metrics.memTotalBytes - metrics.memFreeBytes, metrics.memTotalBytes), 'avg');
    this.hostCurves.set('host.disk_used_pct', percent(metrics.diskTotalBytes - metrics.diskFreeBytes, metrics.diskTotalBytes), 'max');
  }
}
