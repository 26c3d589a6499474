import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DeploySubjects, type ReleasePlanView } from '@msec/contracts';
import { ReleasesDomain } from './releases.domain.js';

type Body = Record<string, unknown> | null;

/** Release plans. */
@Controller()
export class ReleasesController {
  constructor(private readonly releases: ReleasesDomain) {}

  @MessagePattern(DeploySubjects.releaseCreate)
  create(@Payload() body: Body): Promise<ReleasePlanView> {
    return this.releases.create(body);
  }

  @MessagePattern(DeploySubjects.releaseGet)
  get(@Payload() body: Body): Promise<ReleasePlanView> {
    return this.releases.get(body);
  }

  @MessagePattern(DeploySubjects.releaseList)
  list(@Payload() body: Body): Promise<ReleasePlanView[]> {
    return this.releases.list(body);
  }

  @MessagePattern(DeploySubjects.releaseResume)
  resume(@Payload() body: Body): Promise<ReleasePlanView> {
    return this.releases.resume(body);
  }

  @MessagePattern(DeploySubjects.releaseRollback)
  rollback(@Payload() body: Body): Promise<ReleasePlanView> {
    return this.releases.rollback(body);
  }
}
