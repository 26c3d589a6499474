import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  DeploySubjects,
  type ConfigVersionView,
  type IdlFileDiff,
  type IdlVersionView,
  type LiveConfigView,
  type PackageUploadSlot,
} from '@msec/contracts';
import { ConfigVersionsDomain } from './config-versions.domain.js';
import { IdlDomain } from './idl.domain.js';
import { PackagesDomain, type PackageView } from './packages.domain.js';

type Body = Record<string, unknown> | null;

/** IDL, config and package versions. */
@Controller()
export class ArtifactsController {
  constructor(
    private readonly idl: IdlDomain,
    private readonly configs: ConfigVersionsDomain,
    private readonly packages: PackagesDomain,
  ) {}

  @MessagePattern(DeploySubjects.idlAdd)
  idlAdd(@Payload() body: Body): Promise<IdlVersionView> {
    return this.idl.add(body);
  }

  @MessagePattern(DeploySubjects.idlList)
  idlList(@Payload() body: Body): Promise<IdlVersionView[]> {
    return this.idl.list(body);
  }

  @MessagePattern(DeploySubjects.idlDiff)
  idlDiff(@Payload() body: Body): Promise<IdlFileDiff[]> {
    return this.idl.diff(body);
  }

  @MessagePattern(DeploySubjects.configAdd)
  configAdd(@Payload() body: Body): Promise<ConfigVersionView> {
    return this.configs.add(body);
  }

  @MessagePattern(DeploySubjects.configList)
  configList(@Payload() body: Body): Promise<ConfigVersionView[]> {
    return this.configs.list(body);
  }

  @MessagePattern(DeploySubjects.configDiff)
  configDiff(@Payload() body: Body): Promise<{ diff: string }> {
    return this.configs.diff(body);
  }

  @MessagePattern(DeploySubjects.configRollback)
  configRollback(@Payload() body: Body): Promise<ConfigVersionView> {
    return this.configs.rollback(body);
  }

  @MessagePattern(DeploySubjects.configPublish)
  configPublish(@Payload() body: Body): Promise<LiveConfigView> {
    return this.configs.publish(body);
  }

  @MessagePattern(DeploySubjects.packagesUpload)
  packagesUpload(@Payload() body: Body): Promise<PackageView> {
    return this.packages.upload(body);
  }

  @MessagePattern(DeploySubjects.packagesStage)
  packagesStage(): PackageUploadSlot {
    return this.packages.stage();
  }

  @MessagePattern(DeploySubjects.packagesRegister)
  packagesRegister(@Payload() body: Body): Promise<PackageView> {
    return this.packages.register(body);
  }

  @MessagePattern(DeploySubjects.packagesList)
  packagesList(@Payload() body: Body): Promise<PackageView[]> {
    return this.packages.list(body);
  }
}
