import { NATS_CONNECTION } from '@msec/platform';
import { Logger, Injectable, Inject } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { DataSource } from 'typeorm';
import type { Repository } from 'typeorm';
import { EventStore, ProjectionRunner, ProjectionCheckpointEntity, createEvent, BusErrorCode } from '@msec/bus';
import {
  DeployEventSubjects,
  DeployEventType,
  MsecError,
  type ReleaseEventPayloads,
  type ReleaseHostStep,
  type ReleasePlanView,
  type ReleaseState,
  type ReleaseStrategy,
  type ReleaseVersions,
} from '@msec/contracts';
import { notFound } from '../deploy.errors.js';
import { foldRelease, type ReleaseEvent } from './release-fold.js';
import { ReleaseRecord } from './releases.entities.js';
import { ReleasesProjection } from './releases.projection.js';
import { deployProjectionRunner } from '../events/deploy-projection-runner.js';

/** A plan as the runner works on it. */
export interface ReleasePlan extends ReleasePlanView {
  runNo: number;
  canaryApproved: boolean;
}

/** A plan folded from its events, with the stream sequence of the last one: what the next append expects. */
export interface LoadedPlan {
  plan: ReleasePlan;
  seq: number;
}

/**
 * Release plans, event-sourced: every change is an event appended under `deploy.release.plan_<planId>` expecting the
 * plan's last event (so two deploy processes never both decide on the same state); queries read the
 * `deploy_releases` projection, whose checkpoint is written in the same transaction.
 */
@Injectable()
export class ReleasesRepository {
  private readonly logger = new Logger('deploy-releases');
  private readonly repo: Repository<ReleaseRecord>;
  private readonly store: EventStore;
  private readonly runner: ProjectionRunner<ReleaseEvent>;

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {
    this.repo = dataSource.getRepository(ReleaseRecord);
    this.store = new EventStore(nc);
    this.runner = deployProjectionRunner(nc, dataSource, new ReleasesProjection(), this.logger);
  }

  /** Carries plans stored before release events existed into the stream, then starts the projection. */
  async start(): Promise<void> {
    await this.store.init();
    await this.importLegacyRows();
    await this.runner.start();
    await this.runner.waitUntilCaughtUp();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Empties the read model and replays every release event into it. */
  async rebuild(): Promise<{ releases: number }> {
    await this.runner.rebuild();
    return { releases: await this.repo.count() };
  }

  /** Resolves once the read model has every release event appended so far. */
  caughtUp(): Promise<void> {
    return this.runner.waitUntilCaughtUp();
  }

  /** One plan from the read model, or DEPLOY_NOT_FOUND. */
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

  /** A plan as its events say now (not the read model, which may lag), or DEPLOY_NOT_FOUND. */
  async load(planId: string): Promise<LoadedPlan> {
    const { events, lastSeq } = await this.store.read<ReleaseEvent>(DeployEventSubjects.release(planId));
    if (events.length === 0) throw notFound('release plan', planId);
    let plan: ReleasePlan | null = null;
    for (const { event } of events) plan = foldRelease(plan, event);
    return { plan: plan!, seq: lastSeq };
  }

  /**
   * Appends one event of the plan, expecting its last event at `loaded.seq` (BUS_APPEND_CONFLICT when another
   * process changed the plan first), and folds it into `loaded`.
   */
  async record<K extends keyof ReleaseEventPayloads>(loaded: LoadedPlan, type: K, payload: ReleaseEventPayloads[K]): Promise<void> {
    const event = createEvent(type, loaded.plan.planId, payload) as ReleaseEvent;
    const result = await this.store.append(DeployEventSubjects.release(loaded.plan.planId), event, {
      expectedLastSubjectSeq: loaded.seq,
    });
    loaded.plan = foldRelease(loaded.plan, event);
    loaded.seq = result.seq;
  }

  /** Appends a new plan's creation (refused if its id was ever used) and returns it loaded. */
  async create(payload: ReleaseEventPayloads['deploy.ReleaseCreated']): Promise<LoadedPlan> {
    const event = createEvent(DeployEventType.releaseCreated, payload.planId, payload);
    const result = await this.store.append(DeployEventSubjects.release(payload.planId), event, { expectedLastSubjectSeq: 0 });
    return { plan: foldRelease(null, event), seq: result.seq };
  }

  /** On the first start after the upgrade (no checkpoint yet), each stored plan becomes a `ReleaseImported` event. */
  private async importLegacyRows(): Promise<void> {
    const key = `deploy.${new ReleasesProjection().name}`;
    const checkpoint = await this.dataSource.getRepository(ProjectionCheckpointEntity).findOneBy({ projection: key });
    if (checkpoint !== null) return;
    const rows = await this.repo.find({ order: { createdAt: 'ASC' } });
    for (const row of rows) {
      const plan = toPlan(row);
      const event = createEvent(DeployEventType.releaseImported, plan.planId, plan, { id: `import-${plan.planId}` });
      try {
        await this.store.append(DeployEventSubjects.release(plan.planId), event, { expectedLastSubjectSeq: 0 });
      } catch (error) {
        // another deploy process imported it first
        if (!(error instanceof MsecError && error.code === BusErrorCode.appendConflict)) throw error;
      }
    }
    if (rows.length > 0) this.logger.log(`${rows.length} release plan(s) carried over into the event stream`);
  }
}

/** The public view of a plan. */
export function toView(plan: ReleasePlan): ReleasePlanView {
  const { runNo: _r, canaryApproved: _c, ...view } = plan;
  return view;
}

/** The read-model row of a plan. */
export function toRecord(plan: ReleasePlan): ReleaseRecord {
  return {
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
}

/** A plan from its read-model row. */
export function toPlan(r: ReleaseRecord): ReleasePlan {
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
