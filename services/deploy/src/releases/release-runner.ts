import { Logger } from '@nestjs/common';
import {
  DeploySubjects,
  ReleaseHostState,
  ReleaseState,
  type ReleaseHostStep,
  type ReleaseProgressEvent,
  type ReleasedEvent,
} from '@msec/contracts';
import type { EventPublisher } from '../events/event-publisher.js';
import type { HostSteps } from './host-steps.js';
import type { ReleasePlan, ReleasesRepository } from './releases.repository.js';

const FINAL: ReadonlySet<string> = new Set([ReleaseState.succeeded, ReleaseState.rolledBack, ReleaseState.failed, ReleaseState.paused]);

/**
 * Drives one plan from its stored state: batch by batch, hosts of a batch in parallel, every host step
 * persisted before and after, so a job re-run after a crash skips finished hosts and redoes the one in flight.
 * A failed host stops the plan and rolls back every host the plan touched.
 */
export class ReleaseRunner {
  private readonly logger = new Logger('deploy-release');

  constructor(
    private readonly plans: ReleasesRepository,
    private readonly steps: HostSteps,
    private readonly events: EventPublisher,
  ) {}

  /** Advances the plan as far as it can go (done, paused, rolled back). */
  async run(planId: string): Promise<void> {
    const plan = await this.plans.get(planId);
    if (FINAL.has(plan.state)) return;
    if (plan.state === ReleaseState.rollingBack) return this.rollback(plan);
    plan.state = ReleaseState.running;
    await this.plans.save(plan);
    this.progress(plan, null, `running ${plan.service} ${plan.target.packageName}@${plan.target.packageVersion}`);
    const batches = [...new Set(plan.hosts.map((h) => h.batch))].sort((a, b) => a - b);
    for (const batch of batches) {
      const hosts = plan.hosts.filter((h) => h.batch === batch && h.state !== ReleaseHostState.done);
      await Promise.all(hosts.map((host) => this.change(plan, host)));
      const failed = plan.hosts.find((h) => h.state === ReleaseHostState.failed);
      if (failed) {
        plan.state = ReleaseState.rollingBack;
        plan.error = failed.error;
        await this.plans.save(plan);
        this.progress(plan, failed, `stopped: ${failed.error}; rolling back`);
        return this.rollback(plan);
      }
      if (batch === 0 && plan.strategy.canary && plan.strategy.pauseAfterCanary && !plan.canaryApproved && batches.length > 1) {
        plan.state = ReleaseState.paused;
        await this.plans.save(plan);
        this.progress(plan, null, 'canary passed; paused until resumed');
        return;
      }
    }
    plan.state = ReleaseState.succeeded;
    await this.plans.save(plan);
    this.progress(plan, null, 'succeeded');
    const released: ReleasedEvent = {
      planId: plan.planId,
      service: plan.service,
      port: plan.port,
      packageVersion: plan.target.packageVersion,
      hosts: plan.hosts.map((h) => ({ hostId: h.hostId, ip: h.ip })),
    };
    this.events.publish(DeploySubjects.released, released);
  }

  private async change(plan: ReleasePlan, host: ReleaseHostStep): Promise<void> {
    host.state = ReleaseHostState.changing;
    host.error = null;
    await this.plans.save(plan);
    this.progress(plan, host, `changing ${host.hostId}`);
    try {
      await this.steps.apply({ hostId: host.hostId, service: plan.service, port: plan.port }, plan.target, plan.strategy);
      host.state = ReleaseHostState.done;
    } catch (error) {
      host.state = ReleaseHostState.failed;
      host.error = error instanceof Error ? error.message : String(error);
    }
    // saved before announced: a progress event never reports a step a restart would not know of
    await this.plans.save(plan);
    this.progress(plan, host, host.state === ReleaseHostState.done ? `${host.hostId} done` : `${host.hostId} failed: ${host.error}`);
  }

  private async rollback(plan: ReleasePlan): Promise<void> {
    const touched = plan.hosts.filter((h) => h.state !== ReleaseHostState.pending && h.state !== ReleaseHostState.rolledBack);
    let failures = 0;
    for (const host of touched) {
      host.state = ReleaseHostState.rollingBack;
      await this.plans.save(plan);
      this.progress(plan, host, `rolling back ${host.hostId}`);
      try {
        await this.steps.restore({ hostId: host.hostId, service: plan.service, port: plan.port }, host.previous, plan.strategy);
        host.state = ReleaseHostState.rolledBack;
      } catch (error) {
        failures += 1;
        host.state = ReleaseHostState.failed;
        host.error = `rollback failed: ${error instanceof Error ? error.message : String(error)}`;
        this.logger.error(`plan ${plan.planId}: ${host.error}`);
      }
      await this.plans.save(plan);
      this.progress(
        plan,
        host,
        host.state === ReleaseHostState.rolledBack ? `${host.hostId} rolled back` : (host.error ?? 'rollback failed'),
      );
    }
    plan.state = failures === 0 ? ReleaseState.rolledBack : ReleaseState.failed;
    await this.plans.save(plan);
    this.progress(plan, null, failures === 0 ? 'rolled back' : `rollback failed on ${failures} host(s)`);
  }

  private progress(plan: ReleasePlan, host: ReleaseHostStep | null, message: string): void {
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
