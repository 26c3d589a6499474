import type { DataSource, Repository } from 'typeorm';
import type { ReleaseHostStep, ReleasePlanView, ReleaseState, ReleaseStrategy, ReleaseVersions } from '@msec/contracts';
import { notFound } from '../deploy.errors.js';
import { ReleaseRecord } from './releases.entities.js';

/** A plan as the runner works on it. */
export interface ReleasePlan extends ReleasePlanView {
  runNo: number;
  canaryApproved: boolean;
}

/** Loads and saves plans; saves of one plan are serialised so a late write never overwrites a newer state. */
export class ReleasesRepository {
  private readonly repo: Repository<ReleaseRecord>;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(dataSource: DataSource) {
    this.repo = dataSource.getRepository(ReleaseRecord);
  }

  /** One plan or DEPLOY_NOT_FOUND. */
  async get(planId: string): Promise<ReleasePlan> {
    const row = await this.repo.findOneBy({ planId });
    if (!row) throw notFound('release plan', planId);
    return toPlan(row);
  }

  /** Plans, newest first, optionally of one service. */
  async list(service?: string, limit = 50): Promise<ReleasePlan[]> {
    const rows = await this.repo.find({ where: service ? { service } : {}, order: { createdAt: 'DESC' }, take: limit });
    return rows.map(toPlan);
  }

  /** Plans a job should be driving (after a restart, to re-enqueue any that lost theirs). */
  async unfinished(): Promise<ReleasePlan[]> {
    const rows = await this.repo.find({ where: [{ state: 'created' }, { state: 'running' }, { state: 'rolling-back' }] });
    return rows.map(toPlan);
  }

  /** Writes the plan as it is now. */
  save(plan: ReleasePlan): Promise<void> {
    plan.updatedAt = Date.now();
    const snapshot: ReleaseRecord = {
      planId: plan.planId,
      kind: plan.kind,
      service: plan.service,
      port: plan.port,
      targetJson: JSON.stringify(plan.target),
      strategyJson: JSON.stringify(plan.strategy),
      hostsJson: JSON.stringify(plan.hosts),
      state: plan.state,
      error: plan.error,
      runNo: plan.runNo,
      canaryApproved: plan.canaryApproved ? 1 : 0,
      createdAt: plan.createdAt,
      updatedAt: plan.updatedAt,
    };
    const next = (this.chains.get(plan.planId) ?? Promise.resolve()).then(async () => void (await this.repo.save(snapshot)));
    this.chains.set(
      plan.planId,
      next.catch(() => undefined),
    );
    return next;
  }
}

/** The public view of a plan. */
export function toView(plan: ReleasePlan): ReleasePlanView {
  const { runNo: _r, canaryApproved: _c, ...view } = plan;
  return view;
}

function toPlan(r: ReleaseRecord): ReleasePlan {
  return {
    planId: r.planId,
    kind: r.kind,
    service: r.service,
    port: r.port,
    target: JSON.parse(r.targetJson) as ReleaseVersions,
    strategy: JSON.parse(r.strategyJson) as ReleaseStrategy,
    hosts: JSON.parse(r.hostsJson) as ReleaseHostStep[],
    state: r.state as ReleaseState,
    error: r.error,
    runNo: r.runNo,
    canaryApproved: r.canaryApproved === 1,
    createdAt: Number(r.createdAt),
    updatedAt: Number(r.updatedAt),
  };
}
