import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PackagesDomain } from './packages.domain.js';

/** At start, moves packages uploaded before the Object Store (still on disk) into it; releases also move them on first use. */
@Injectable()
export class PackagesLifecycle implements OnApplicationBootstrap {
  constructor(private readonly packages: PackagesDomain) {}

  onApplicationBootstrap(): void {
    void this.packages.moveDiskPackages().catch(() => undefined);
  }
}
