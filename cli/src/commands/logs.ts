import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MsecError } from '@msec/contracts';
import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';
import { readRunState } from '../launcher/run-state.js';

/** `msec logs [name]`: follows one component's log, or all of them, until Ctrl-C. */
export async function logs(config: LauncherConfig, name: string | undefined): Promise<void> {
  const home = msecHome(config.homeDir);
  const state = readRunState(home.stateFile);
  const files = new Map<string, string>();
  for (const component of state?.components ?? []) files.set(component.name, component.logFile);
  if (existsSync(home.logs))
    for (const file of readdirSync(home.logs)) if (file.endsWith('.log')) files.set(file.slice(0, -4), join(home.logs, file));
  let chosen: string[];
  if (name === undefined) chosen = [...files.values()];
  else {
    const file = files.get(name);
    if (!file) {
      throw new MsecError(
        'CLI_UNKNOWN_COMPONENT',
        `no log for "${name}"; known: ${[...files.keys()].sort().join(', ') || '(none: start with ./msec up)'}`,
        {
          status: 404,
          data: { field: 'name' },
        },
      );
    }
    chosen = [file];
  }
  const tail = spawn('tail', ['-n', '50', '-F', ...chosen], { stdio: 'inherit' });
  await new Promise<void>((resolve) => tail.on('exit', () => resolve()));
}
