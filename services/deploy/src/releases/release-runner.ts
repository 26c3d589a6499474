import { DEPLOY_EVENTS } from '../deploy.tokens.js';
import { Logger, Injectable, Inject } from '@nestjs/common';
import {
  DeployEventType,
  DeploySubjects,
  ReleaseHostState,
  ReleaseState,
  type ReleaseEventPayloads,
  type ReleaseHostStep,
  type ReleaseProgressEvent,
} from '@msec/contracts';
import type { EventPublisher } from '../events/event-publisher.js';
import { HostSteps } from './host-steps.js';
import { ReleasesRepository } from './releases.repository.js';
import type { LoadedPlan } from './releases.repository.js';

const FINAL: ReadonlySet<string> = new Set([ReleaseState.succeeded, ReleaseState.rolledBack, ReleaseState.failed, ReleaseState.paused]);

/**
 * Drives one plan from its events: batch by batch, hosts of a batch in parallel, every step an event appended
 * before it is announced, so a job re-run after a crash skips finished hosts and redoes the one in flight.
 * A failed host stops the plan and rolls back every host the plan touched. Each append expects the plan's last
 * event, so a second process driving the same plan is refused instead of doubling a step.
 */
@Injectable()
export class ReleaseRunner {
  private readonly logger = new Logger('deploy-release');

  constructor(
    @Inject(ReleasesRepository) private readonly plans: ReleasesRepository,
    @Inject(HostSteps) private readonly steps: HostSteps,
    @Inject(DEPLOY_EVENTS) private readonly events: EventPublisher,
  ) {}

  /** Advances the plan as far as it can go (done, paused, rolled back). */
  async run(planId: string): Promise<void> {
    const loaded = await this.plans.load(planId);
    const plan = loaded.plan;
    if (FINAL.has(plan.state)) return;
    if (plan.state === ReleaseState.rollingBack) return this.rollback(loaded);
    await this.record(loaded, DeployEventType.releaseStarted, { planId, runNo: plan.runNo });
    this.progress(loaded, null, `running ${plan.service} ${plan.target.packageName}@${plan.target.packageVersion}`);
    const batches = [...new Set(plan.hosts.map((h) => h.batch))].sort((a, b) => a - b);
    for (const batch of batches) {
      const hosts = loaded.plan.hosts.filter((h) => h.batch === batch && h.state !== ReleaseHostState.done).map((h) => h.hostId);
      if (hosts.length > 0) {
        await this.record(loaded, DeployEventType.batchStarted, { planId, batch, hostIds: hosts });
        // hosts of a batch change in parallel; their events are appended one at a time
        await Promise.all(hosts.map((hostId) => this.change(loaded, hostId)));
      }
      const failed = loaded.plan.hosts.find((h) => h.state === ReleaseHostState.failed);
      if (failed) {
        await this.record(loaded, DeployEventType.rollbackStarted, { planId, reason: failed.error ?? 'a host failed' });
        this.progress(loaded, failed, `stopped: ${failed.error}; rolling back`);
        return this.rollback(loaded);
      }
      const p = loaded.plan;
      if (batch === 0 && p.strategy.canary && p.strategy.pauseAfterCanary && !p.canaryApproved && batches.length > 1) {
        await this.record(loaded, DeployEventType.releasePaused, { planId });
        this.progress(loaded, null, 'canary passed; paused until resumed');
        return;
      }
    }
    const p = loaded.plan;
    await this.record(loaded, DeployEventType.releaseSucceeded, {
      planId,
      service: p.service,
      port: p.port,
      packageVersion: p.target.packageVersion,
      hosts: p.hosts.map((h) => ({ hostId: h.hostId, ip: h.ip })),
    });
    this.progress(loaded, null, 'succeeded');
  }

  private async change(loaded: LoadedPlan, hostId: string): Promise<void> {
    const { planId, service, port, target, strategy } = loaded.plan;
    await this.record(loaded, DeployEventType.instanceStarted, { planId, hostId });
    this.progress(loaded, this.host(loaded, hostId), `changing ${hostId}`);
    let reason: string | null = null;
    try {
      await this.steps.apply({ hostId, service, port }, target, strategy);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    // recorded before announced: a progress event never reports a step a restart would not know of
    if (reason === null) await this.record(loaded, DeployEventType.instanceHealthy, { planId, hostId });
    else await this.record(loaded, DeployEventType.instanceFailed, { planId, hostId, reason });
    this.progress(loaded, this.host(loaded, hostId), reason === null ? `${hostId} done` : `${hostId} failed: ${reason}`);
  }

  private async rollback(loaded: LoadedPlan): Promise<void> {
    const { planId, service, port, strategy } = loaded.plan;
    const touched = loaded.plan.hosts.filter((h) => h.state !== ReleaseHostState.pending && h.state !== ReleaseHostState.rolledBack);
    let failures = 0;
    for (const { hostId, previous } of touched) {
      await this.record(loaded, DeployEventType.instanceRollingBack, { planId, hostId });
      this.progress(loaded, this.host(loaded, hostId), `rolling back ${hostId}`);
      try {
        await this.steps.restore({ hostId, service, port }, previous, strategy);
        await this.record(loaded, DeployEventType.instanceRolledBack, { planId, hostId });
        this.progress(loaded, this.host(loaded, hostId), `${hostId} rolled back`);
      } catch (error) {
        failures += 1;
        const reason = `rollback failed: ${error instanceof Error ? error.message : String(error)}`;
        this.logger.error(`plan ${planId}: ${reason}`);
        await this.record(loaded, DeployEventType.instanceFailed, { planId, hostId, reason });
        this.progress(loaded, this.host(loaded, hostId), reason);
      }
    }
    if (failures === 0) {
      await this.record(loaded, DeployEventType.releaseRolledBack, { planId });
      this.progress(loaded, null, 'rolled back');
    } else {
      const reason = `${loaded.plan.error ?? 'a host failed'}; rollback failed on ${failures} host(s)`;
      await this.record(loaded, DeployEventType.releaseFailed, { planId, reason });
      this.progress(loaded, null, `rollback failed on ${failures} host(s)`);
    }
  }

  /** Appends one event of the plan; the events of parallel host steps go one at a time. */
  private record<K extends keyof ReleaseEventPayloads>(loaded: LoadedPlan, type: K, payload: ReleaseEventPayloads[K]): Promise<void> {
    const previous = this.appending.get(loaded) ?? Promise.resolve();
    const next = previous.then(() => this.plans.record(loaded, type, payload));
    this.appending.set(
      loaded,
      next.catch(() => undefined),
    );
    return next;
  }

  private readonly appending = new WeakMap<LoadedPlan, Promise<void>>();

  private host(loaded: LoadedPlan, hostId: string): ReleaseHostStep | null {
    return loaded.plan.hosts.find((h) => h.hostId === hostId) ?? null;
  }

  private progress(loaded: LoadedPlan, host: ReleaseHostStep | null, message: string): void {
    const plan = loaded.plan;
    const event: ReleaseProgressEvent = {
      planId: plan.planId,
      service: plan.service,
      state: plan.state,
      hostId: host?.hostId ?? null,
      hostState: host?.state ?? null,
      done: plan.hosts.filter((h) => h.state === ReleaseHostState.done).length,
      total: plan.hosts.length,
      message,
      at: Date.now(),
    };
    this.events.publish(DeploySubjects.releaseProgress, event);
  }
}
