import { Injectable } from '@nestjs/common';
import { ConfigVersionsDomain } from '../artifacts/config-versions.domain.js';
import { IdlDomain } from '../artifacts/idl.domain.js';
import { PackagesDomain } from '../artifacts/packages.domain.js';
import { EnrollmentsDomain } from '../enrollment/enrollments.domain.js';
import { ReleasesRepository } from '../releases/releases.repository.js';
import { HostMaintenanceDomain } from '../hosts/host-maintenance.domain.js';

/** What a rebuild replayed: rows of each read model. */
export interface DeployRebuildResult {
  releases: number;
  idlVersions: number;
  configVersions: number;
  packages: number;
  enrollments: number;
  offlineHosts: number;
}

/** Deploy's event-sourced read models (release plans, IDL, config and package versions, enrolment tokens, hosts offline): started (after carrying an older database's rows into events) and rebuilt together. */
@Injectable()
export class DeployReadModels {
  private rebuilding: Promise<DeployRebuildResult> | undefined;

  constructor(
    private readonly releases: ReleasesRepository,
    private readonly idl: IdlDomain,
    private readonly configs: ConfigVersionsDomain,
    private readonly packages: PackagesDomain,
    private readonly enrollments: EnrollmentsDomain,
    private readonly maintenance: HostMaintenanceDomain,
  ) {}

  async start(): Promise<void> {
    await this.releases.start();
    await this.idl.start();
    await this.configs.start();
    await this.packages.start();
    await this.enrollments.start();
    await this.maintenance.start();
  }

  async stop(): Promise<void> {
    await this.maintenance.stop();
    await this.enrollments.stop();
    await this.packages.stop();
    await this.configs.stop();
    await this.idl.stop();
    await this.releases.stop();
  }

  /** Empties every read model and replays its events; a rebuild asked for while one runs gets that one's result. */
  rebuild(): Promise<DeployRebuildResult> {
    this.rebuilding ??= this.replayAll().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  private async replayAll(): Promise<DeployRebuildResult> {
    const releases = (await this.releases.rebuild()).releases;
    const idlVersions = await this.idl.rebuild();
    const configVersions = await this.configs.rebuild();
    const packages = await this.packages.rebuild();
    const enrollments = await this.enrollments.rebuild();
    return { releases, idlVersions, configVersions, packages, enrollments, offlineHosts: await this.maintenance.rebuild() };
  }
}
