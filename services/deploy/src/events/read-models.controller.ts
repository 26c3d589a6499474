import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { DeploySubjects } from '@msec/contracts';
import { DeployReadModels, type DeployRebuildResult } from './deploy-read-models.js';

/** Maintenance of deploy's read models (admin, through the gateway). */
@Controller()
export class ReadModelsController {
  constructor(private readonly readModels: DeployReadModels) {}

  @MessagePattern(DeploySubjects.rebuild)
  rebuild(): Promise<DeployRebuildResult> {
    return this.readModels.rebuild();
  }
}
