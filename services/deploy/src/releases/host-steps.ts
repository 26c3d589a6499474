import { setTimeout as sleep } from 'node:timers/promises';
import { AgentCommandType, type CanonicalValue, type ReleaseStrategy, type ReleaseVersions } from '@msec/contracts';
import { type NatsAccountSigner } from '@msec/contracts/nats-authority';
import type { AgentClient } from '../agents/agent-client.js';
import type { ConfigVersionsDomain } from '../artifacts/config-versions.domain.js';
import type { IdlDomain } from '../artifacts/idl.domain.js';
import type { PackagesDomain } from '../artifacts/packages.domain.js';
import type { HostDownWatch } from '../hosts/host-down-watch.js';
import type { HostsProjection } from '../hosts/hosts.projection.js';
import type { InstanceCredentials } from './instance-credentials.js';

/** What changes on one host: the service's single instance there, listening on port. */
export interface HostTarget {
  hostId: string;
  service: string;
  port: number;
}

/**
 * The signed agent commands of one host step: install the package (by Object Store reference), write config and IDL files, start the
 * instance (the agent waits for its port), then the health gate: a heartbeat sent `stabilizeMs` later must
 * still show the instance running this version with no restart. Every command and the gate fail at once when deploy
 * marks the host down, instead of waiting for their timeouts.
 */
export class HostSteps {
  constructor(
    private readonly agents: AgentClient,
    private readonly packages: PackagesDomain,
    private readonly configs: ConfigVersionsDomain,
    private readonly idl: IdlDomain,
    private readonly hosts: HostsProjection,
    private readonly liveness: HostDownWatch,
    private readonly credentials: InstanceCredentials,
    /** Mints the service's NATS identity for the start command; null when NATS runs without credentials. */
    private readonly natsSigner: NatsAccountSigner | null = null,
  ) {}

  /** Puts `versions` in place on the host and passes the health gate, or throws why not. */
  async apply(target: HostTarget, versions: ReleaseVersions, strategy: ReleaseStrategy): Promise<void> {
    const { hostId, service } = target;
    // The command carries a reference; the agent fetches the tarball from the Object Store and checks its sha256.
    const ref = await this.packages.reference(versions.packageName, versions.packageVersion);
    await this.command(
      hostId,
      AgentCommandType.installPackage,
      {
        name: versions.packageName,
        version: versions.packageVersion,
        bucket: ref.bucket,
        object: ref.object,
        sha256: ref.sha256,
        size: ref.size,
      },
      120_000,
    );
    let configFile: string | null = null;
    if (versions.configTag) {
      configFile = `${service}/config/${versions.configTag}.conf`;
      const content = await this.configs.content(service, versions.configTag);
      await this.command(hostId, AgentCommandType.putFile, { path: configFile, contentBase64: Buffer.from(content).toString('base64') });
    }
    if (versions.idlTag) {
      for (const [file, source] of Object.entries(await this.idl.files(service, versions.idlTag))) {
        await this.command(hostId, AgentCommandType.putFile, {
          path: `${service}/idl/${versions.idlTag}/${file}`,
          contentBase64: Buffer.from(source).toString('base64'),
        });
      }
    }
    await this.command(
      hostId,
      AgentCommandType.startInstance,
      {
        name: service,
        service,
        package: versions.packageName,
        version: versions.packageVersion,
        port: target.port,
        healthTimeoutMs: strategy.healthTimeoutMs,
        env: this.credentials.env(service),
        ...(configFile ? { configFile } : {}),
        ...(this.natsSigner ? { natsCreds: await this.natsSigner.serviceCreds(service) } : {}),
      },
      strategy.healthTimeoutMs + 15_000,
    );
    const notBefore = Date.now() + strategy.stabilizeMs;
    await this.liveness.whileUp(hostId, (signal) => this.healthGate(target, versions, notBefore, signal));
  }

  /** Puts back what the host ran before, or stops the instance when it ran nothing. */
  async restore(target: HostTarget, previous: ReleaseVersions | null, strategy: ReleaseStrategy): Promise<void> {
    if (previous) return this.apply(target, previous, strategy);
    try {
      await this.command(target.hostId, AgentCommandType.stopInstance, { name: target.service });
    } catch (error) {
      if ((error as { data?: { agentCode?: string } }).data?.agentCode !== 'AGENT_INSTANCE_NOT_FOUND') throw error;
    }
  }

  /** One signed command to the host, cut short if deploy marks the host down first. */
  private command(hostId: string, type: string, args: { [key: string]: CanonicalValue }, timeoutMs?: number): Promise<unknown> {
    return this.liveness.whileUp(hostId, () => this.agents.run(hostId, type, args, timeoutMs));
  }

  private async healthGate(target: HostTarget, versions: ReleaseVersions, notBefore: number, signal: AbortSignal): Promise<void> {
    await sleep(Math.max(0, notBefore - Date.now()), undefined, { signal });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const host = await this.hosts.get(target.hostId);
      if (host && host.lastSeenAt >= notBefore) {
        const instance = host.instances.find((i) => i.name === target.service);
        if (instance && instance.status === 'running' && instance.restarts === 0 && instance.packageVersion === versions.packageVersion)
          return;
        // a heartbeat built just before the agent's start reply still says starting: wait for the next one
        if (instance && instance.status === 'starting' && instance.restarts === 0 && Date.now() < deadline - 1_000) {
          await sleep(100, undefined, { signal });
          continue;
        }
        const seen = instance ? `${instance.status}, ${instance.restarts} restarts, version ${instance.packageVersion}` : 'not running';
        throw new Error(`health gate failed on ${target.hostId}: ${target.service} is ${seen}`);
      }
      await sleep(100, undefined, { signal });
    }
    throw new Error(`health gate failed on ${target.hostId}: no heartbeat after the stabilisation time`);
  }
}
