import { Injectable, Inject } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BusErrorCode } from '@msec/bus';
import {
  DeployEventType,
  MsecError,
  ReleaseHostState,
  ReleaseState,
  ValidationError,
  type ReleaseHostStep,
  type ReleasePlanView,
  type ReleaseStrategy,
  type ReleaseVersions,
} from '@msec/contracts';
import { ConfigVersionsDomain } from '../artifacts/config-versions.domain.js';
import { IdlDomain } from '../artifacts/idl.domain.js';
import { PackagesDomain } from '../artifacts/packages.domain.js';
import { TAG, requireService, requireString } from '../artifacts/validate.js';
import { notFound, planInvalid, planState } from '../deploy.errors.js';
import { HostsProjection } from '../hosts/hosts.projection.js';
import { ReleaseQueue } from './release-queue.js';
import { toView, type ReleasePlan, ReleasesRepository } from './releases.repository.js';

type Body = Record<string, unknown> | null;

function intField(body: Body, field: string, min: number, max: number, fallback: number): number {
  const value = body?.[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new ValidationError(field, `must be an integer in ${min}..${max}`);
  return value;
}

function boolField(body: Body, field: string, fallback: boolean): boolean {
  const value = body?.[field] ?? fallback;
  if (typeof value !== 'boolean') throw new ValidationError(field, 'must be true or false');
  return value;
}

/** Creates, resumes and rolls back release plans; the runner executes them through the queue. */
@Injectable()
export class ReleasesDomain {
  constructor(
    @Inject(ReleasesRepository) private readonly plans: ReleasesRepository,
    @Inject(ReleaseQueue) private readonly queue: ReleaseQueue,
    @Inject(HostsProjection) private readonly hosts: HostsProjection,
    @Inject(PackagesDomain) private readonly packages: PackagesDomain,
    @Inject(ConfigVersionsDomain) private readonly configs: ConfigVersionsDomain,
    @Inject(IdlDomain) private readonly idl: IdlDomain,
  ) {}

  /**
   * Validates a plan, records what each host runs now (for rollback) and queues it. Without a package and with a
   * config tag it is a config-only release: the package each host runs now stays, the config version changes.
   */
  async create(body: Body): Promise<ReleasePlanView> {
    const service = requireService(body);
    if (body?.packageName === undefined && body?.packageVersion === undefined && typeof body?.configTag === 'string')
      return this.createConfigOnly(body, service);
    if (body?.packageName === undefined)
      throw new ValidationError('packageName', 'is required: the package to release (or give only configTag for a config-only release)');
    const target: ReleaseVersions = {
      packageName: requireString(body, 'packageName'),
      packageVersion: requireString(body, 'packageVersion', TAG),
      configTag: typeof body?.configTag === 'string' ? body.configTag : null,
      idlTag: typeof body?.idlTag === 'string' ? body.idlTag : null,
    };
    if (!(await this.packages.has(target.packageName, target.packageVersion)))
      throw notFound('package', `${target.packageName}@${target.packageVersion}`);
    if (target.configTag) await this.configs.content(service, target.configTag);
    if (target.idlTag) await this.idl.files(service, target.idlTag);
    const strategy = strategyOf(body);
    const hostIds = hostIdsOf(body);
    return this.start('release', service, intField(body, 'port', 1, 65_535, 0), target, strategy, hostIds);
  }

  /**
   * A config-only release: each host keeps the package (and IDL) its last successful plan of the service put there,
   * on the same port, and gets config version `configTag`, in the same batches, with the same health checks and
   * automatic rollback as any release.
   */
  private async createConfigOnly(body: Body, service: string): Promise<ReleasePlanView> {
    const configTag = requireString(body, 'configTag', TAG);
    await this.configs.content(service, configTag);
    const strategy = strategyOf(body);
    const hostIds = hostIdsOf(body);
    const history = await this.plans.list(service, 500);
    const running = hostIds.map((hostId) => {
      const plan = lastPlanOn(history, hostId);
      if (!plan)
        throw planInvalid(
          'hosts',
          `${hostId} runs no release of ${service}: a config-only release changes the config of running instances; release a package there first`,
        );
      return { hostId, plan };
    });
    const versions = new Set(running.map((r) => `${r.plan.target.packageName}@${r.plan.target.packageVersion}:${r.plan.port}`));
    if (versions.size > 1)
      throw planInvalid(
        'hosts',
        `run different package versions or ports (${running.map((r) => `${r.hostId}: ${r.plan.target.packageName}@${r.plan.target.packageVersion} on ${r.plan.port}`).join(', ')}); release the config to each group separately`,
      );
    const { plan } = running[0]!;
    const port = body?.port === undefined ? plan.port : intField(body, 'port', 1, 65_535, 0);
    if (port !== plan.port) throw planInvalid('port', `must be ${plan.port}, the port the instances run on, or left out`);
    return this.start('release', service, port, { ...plan.target, configTag }, strategy, hostIds);
  }

  /** One plan. */
  async get(body: Body): Promise<ReleasePlanView> {
    return toView(await this.plans.get(requireString(body, 'planId')));
  }

  /** Plans, newest first. */
  async list(body: Body): Promise<ReleasePlanView[]> {
    const service = typeof body?.service === 'string' ? body.service : undefined;
    return (await this.plans.list(service, intField(body, 'limit', 1, 500, 50))).map(toView);
  }

  /** Continues a plan paused after its canary; of two resumes at once (any deploy process), one wins. */
  async resume(body: Body): Promise<ReleasePlanView> {
    const planId = requireString(body, 'planId');
    for (let attempt = 1; ; attempt += 1) {
      const loaded = await this.plans.load(planId);
      const plan = loaded.plan;
      if (plan.state !== ReleaseState.paused) throw planState(plan.planId, plan.state, 'resume (only a paused plan can)');
      try {
        await this.plans.record(loaded, DeployEventType.releaseResumed, { planId, runNo: plan.runNo + 1 });
      } catch (error) {
        // another process changed the plan since it was read: decide again on what it is now
        if (attempt < 3 && error instanceof MsecError && error.code === BusErrorCode.appendConflict) continue;
        throw error;
      }
      await this.queue.enqueue(planId, loaded.plan.runNo);
      await this.plans.caughtUp();
      return toView(loaded.plan);
    }
  }

  /** Rolls back by hand: a new plan putting the versions of an earlier plan back on its hosts. */
  async rollback(body: Body): Promise<ReleasePlanView> {
    const earlier = await this.plans.get(requireString(body, 'planId'));
    const strategy = { ...earlier.strategy, pauseAfterCanary: false };
    return this.start(
      'rollback',
      earlier.service,
      earlier.port,
      earlier.target,
      strategy,
      earlier.hosts.map((h) => h.hostId),
    );
  }

  private async start(
    kind: 'release' | 'rollback',
    service: string,
    port: number,
    target: ReleaseVersions,
    strategy: ReleaseStrategy,
    hostIds: string[],
  ): Promise<ReleasePlanView> {
    if (port === 0) throw planInvalid('port', 'is required: the port the instances listen on');
    const known = new Map((await this.hosts.list()).map((h) => [h.hostId, h]));
    const history = await this.plans.list(service, 500);
    const hosts: ReleaseHostStep[] = hostIds.map((hostId, i) => {
      const host = known.get(hostId);
      if (!host) throw planInvalid('hosts', `${hostId} is not a known host (see msec.deploy.hosts.list)`);
      if (host.status !== 'up') throw planInvalid('hosts', `${hostId} is down; release to hosts that heartbeat`);
      if (host.offline)
        throw planInvalid(
          'hosts',
          `${hostId} is offline for maintenance (taken offline by ${host.offline.by}${host.offline.reason ? `: ${host.offline.reason}` : ''}); bring it online or leave it out`,
        );
      const batch = strategy.canary ? (i === 0 ? 0 : 1 + Math.floor((i - 1) / strategy.batchSize)) : Math.floor(i / strategy.batchSize);
      return { hostId, ip: host.ip, batch, state: ReleaseHostState.pending, error: null, previous: previousOn(history, hostId) };
    });
    const loaded = await this.plans.create({
      planId: randomUUID(),
      kind,
      service,
      port,
      target,
      strategy,
      hosts,
      createdAt: Date.now(),
    });
    await this.queue.enqueue(loaded.plan.planId, loaded.plan.runNo);
    await this.plans.caughtUp();
    return toView(loaded.plan);
  }
}

/** What the last successful plan of the service put on the host, if any. */
function previousOn(history: ReleasePlan[], hostId: string): ReleaseVersions | null {
  return lastPlanOn(history, hostId)?.target ?? null;
}

/** The last successful plan of the service that covered the host (history is newest first). */
function lastPlanOn(history: ReleasePlan[], hostId: string): ReleasePlan | undefined {
  return history.find((plan) => plan.state === ReleaseState.succeeded && plan.hosts.some((h) => h.hostId === hostId));
}

/** A plan's strategy from the request, with the defaults. */
function strategyOf(body: Body): ReleaseStrategy {
  const strategyBody = (body?.strategy ?? {}) as Body;
  if (typeof strategyBody !== 'object' || Array.isArray(strategyBody)) throw new ValidationError('strategy', 'must be an object');
  return {
    canary: boolField(strategyBody, 'canary', true),
    batchSize: intField(strategyBody, 'batchSize', 1, 1000, 1),
    pauseAfterCanary: boolField(strategyBody, 'pauseAfterCanary', false),
    stabilizeMs: intField(strategyBody, 'stabilizeMs', 0, 600_000, 2_000),
    healthTimeoutMs: intField(strategyBody, 'healthTimeoutMs', 100, 60_000, 10_000),
  };
}

/** The hosts a plan names: a non-empty list without repeats. */
function hostIdsOf(body: Body): string[] {
  const hostIds = body?.hosts;
  if (!Array.isArray(hostIds) || hostIds.length === 0 || !hostIds.every((h) => typeof h === 'string'))
    throw new ValidationError('hosts', 'must be a non-empty array of host ids');
  if (new Set(hostIds).size !== hostIds.length) throw new ValidationError('hosts', 'lists a host twice');
  return hostIds as string[];
}
