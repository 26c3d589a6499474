import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DeploySubjects, type ReleasePlanView } from '@msec/contracts';
import { Access, Role } from '../auth/access.js';
import { JsonBody, PathParam, QueryParams } from '../http/api-params.js';
import { NatsForwarder } from '../http/nats-forwarder.js';
import { decodeCursor, encodeCursor, PAGE_SIZE, type Page } from '../http/pagination.js';
import type { Infer } from '../http/schema.js';
import { forwardToDeploy } from './deploy-forward.js';
import { planId, releaseCreateBody, releasesQuery } from './deploy.schemas.js';

/** Creating a plan checks the package, config and IDL and snapshots every host. */
const CREATE_DEADLINE_MS = 15_000;
/** The deploy service lists at most this many plans per request. */
const DEPLOY_LIST_MAX = 500;

/** Release plans (REST face of the deploy service): viewers read, developers release, resume and roll back. */
@ApiTags('releases')
@Controller('api/v1/releases')
export class ReleasesController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Get()
  @Access(Role.viewer)
  @ApiOperation({ summary: 'Release plans, newest first (the 500 newest can be paged through)' })
  async list(@QueryParams(releasesQuery) q: Infer<typeof releasesQuery>): Promise<Page<ReleasePlanView>> {
    const offset = Number(decodeCursor(q.cursor) ?? 0);
    const limit = q.limit ?? PAGE_SIZE.default;
    const plans = await forwardToDeploy<ReleasePlanView[]>(
      this.nats,
      DeploySubjects.releaseList,
      { ...(q.service ? { service: q.service } : {}), limit: Math.min(DEPLOY_LIST_MAX, offset + limit + 1) },
      'query',
    );
    const items = plans.slice(offset, offset + limit);
    return { items, nextCursor: plans.length > offset + limit ? encodeCursor(offset + limit) : null };
  }

  @Get(':planId')
  @Access(Role.viewer)
  @ApiOperation({ summary: 'One plan with its per-host steps' })
  get(@PathParam('planId', planId) id: string): Promise<ReleasePlanView> {
    return forwardToDeploy(this.nats, DeploySubjects.releaseGet, { planId: id }, { planId: 'path.planId' });
  }

  @Post()
  @Access(Role.developer)
  @ApiOperation({ summary: 'Create and start a release plan: canary first, then batches, each host behind a health gate' })
  create(@JsonBody(releaseCreateBody) body: Infer<typeof releaseCreateBody>): Promise<ReleasePlanView> {
    return forwardToDeploy(this.nats, DeploySubjects.releaseCreate, body, 'body', CREATE_DEADLINE_MS);
  }

  @Post(':planId/resume')
  @HttpCode(200)
  @Access(Role.developer)
  @ApiOperation({ summary: 'Continue a plan paused after its canary' })
  resume(@PathParam('planId', planId) id: string): Promise<ReleasePlanView> {
    return forwardToDeploy(this.nats, DeploySubjects.releaseResume, { planId: id }, { planId: 'path.planId' }, CREATE_DEADLINE_MS);
  }

  @Post(':planId/rollback')
  @Access(Role.developer)
  @ApiOperation({ summary: "Roll back to this plan's versions: starts a new plan (kind rollback) on its hosts" })
  rollback(@PathParam('planId', planId) id: string): Promise<ReleasePlanView> {
    return forwardToDeploy(this.nats, DeploySubjects.releaseRollback, { planId: id }, { planId: 'path.planId' }, CREATE_DEADLINE_MS);
  }
}

/** Replaying deploy's read models takes as long as its event history. */
const REBUILD_DEADLINE_MS = 60_000;

/** Admin-only maintenance of the deploy service's read models. */
@ApiTags('admin')
@Controller('api/v1/admin/rebuild')
export class DeployAdminController {
  constructor(@Inject(NatsForwarder) private readonly nats: NatsForwarder) {}

  @Post('deploy')
  @HttpCode(200)
  @Access(Role.admin)
  @ApiOperation({
    summary:
      "Rebuild the deploy service's read models (release plans, IDL, config and package versions, enrolment tokens) from its event stream",
  })
  rebuild(): Promise<{ releases: number; idlVersions: number; configVersions: number; packages: number; enrollments: number }> {
    return this.nats.request(DeploySubjects.rebuild, {}, REBUILD_DEADLINE_MS);
  }
}
