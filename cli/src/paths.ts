import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (cli/dist/src/paths.js is three levels below cli/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Folders of one launcher home (`.msec/` by default; MSEC_HOME moves it, e.g. for tests). */
export interface MsecHome {
  root: string;
  infra: string;
  data: string;
  logs: string;
  run: string;
  stateFile: string;
  /** Credentials (0700): NATS keys and .creds files under `secrets/nats/`. */
  secrets: string;
  natsSecrets: string;
}

/** Lays out the launcher's home folder names (nothing is created here). */
export function msecHome(root: string): MsecHome {
  return {
    root,
    infra: join(root, 'infra'),
    data: join(root, 'data'),
    logs: join(root, 'logs'),
    run: join(root, 'run'),
    stateFile: join(root, 'run', 'state.json'),
    secrets: join(root, 'secrets'),
    natsSecrets: join(root, 'secrets', 'nats'),
  };
}
