import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { UsersDomain } from './users.domain.js';

/** Creates the first admin with a one-time password when the users table is empty. */
@Injectable()
export class InitialAdmin implements OnApplicationBootstrap {
  constructor(@Inject(UsersDomain) private readonly users: UsersDomain) {}

  onApplicationBootstrap(): Promise<void> {
    return this.users.ensureInitialAdmin();
  }
}
