import { Injectable } from '@nestjs/common';
import { IdlDomain } from '../artifacts/idl.domain.js';
import { ReleasesRepository } from '../releases/releases.repository.js';

/** What a rebuild replayed: rows of each read model. */
export interface DeployRebuildResult {
  releases: number;
  idlVersions: number;
}

/** Deploy's event-sourced read models: started (after carrying an older database's rows into events) and rebuilt together. */
@Injectable()
export class DeployReadModels {
  constructor(
    private readonly releases: ReleasesRepository,
    private readonly idl: IdlDomain,
  ) {}

  async start(): Promise<void> {
    await this.releases.start();
    await this.idl.start();
  }

  async stop(): Promise<void> {
    await this.idl.stop();
    await this.releases.stop();
  }

  /** Empties every read model and replays its events. */
  async rebuild(): Promise<DeployRebuildResult> {
    const releases = (await this.releases.rebuild()).releases;
    return { releases, idlVersions: await this.idl.rebuild() };
  }
}
