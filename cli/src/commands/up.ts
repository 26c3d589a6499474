import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MsecError } from '@msec/contracts';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';
import { preflight, runStack, type StackProfile } from '../launcher/stack-runner.js';
import { pidAlive, readRunState } from '../launcher/run-state.js';
import { say } from '../output.js';

/** `--cluster` picks the cluster profile. */
export function stackProfile(args: ParsedArgs): StackProfile {
  return args.flags.cluster === true ? 'cluster' : 'single';
}

/** How long `up -d` waits for the detached stack to report ready (the cluster profile starts three of everything). */
const DETACHED_READY_TIMEOUT_MS = { single: 180_000, cluster: 420_000 } as const;

/** `msec up`: runs everything in this process until Ctrl-C; `echo` mirrors each child's output with a prefix. */
export async function upForeground(config: LauncherConfig, echo: boolean, profile: StackProfile): Promise<void> {
  await runStack(config, echo, profile);
}

/** `msec up -d`: starts the launcher detached, waits until it is ready, prints its summary and returns. */
export async function upDetached(
  config: LauncherConfig,
  cliEntry: string,
  passThroughArgs: string[],
  profile: StackProfile,
): Promise<void> {
  await preflight(config, profile);
  const home = msecHome(config.homeDir);
  mkdirSync(home.logs, { recursive: true });
  const launcherLog = join(home.logs, 'launcher.log');
  const logFd = openSync(launcherLog, 'w', 0o600);
  const child = spawn(process.execPath, [cliEntry, 'up', '--foreground-detached', ...passThroughArgs], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, NO_COLOR: '1' },
  });
  closeSync(logFd);
  child.unref();
  const deadline = Date.now() + DETACHED_READY_TIMEOUT_MS[profile];
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const state = readRunState(home.stateFile);
    if (!pidAlive(child.pid ?? -1)) {
      const log = readFileSync(launcherLog, 'utf8').trimEnd();
      throw new MsecError('LAUNCHER_FAILED', `the launcher stopped during start-up:\n${log.split('\n').slice(-15).join('\n')}`, {
        status: 500,
      });
    }
    // The state file can say ready a moment before the summary reaches the log: wait for both.
    const log = state?.ready && state.launcherPid === child.pid ? readFileSync(launcherLog, 'utf8') : '';
    const summaryAt = log.lastIndexOf('MSEC-TS is up');
    if (summaryAt >= 0) {
      say(log.slice(summaryAt).trimEnd());
      const passwordFile = join(home.data, 'initial-admin-password');
      if (existsSync(passwordFile)) say(`one-time admin password: ${readFileSync(passwordFile, 'utf8').trim()}`);
      say(`launcher running detached as pid ${child.pid}`);
      return;
    }
  }
  throw new MsecError(
    'LAUNCHER_TIMEOUT',
    `not ready within ${DETACHED_READY_TIMEOUT_MS[profile] / 1000} s; see ${launcherLog} and ./msec status`,
    {
      status: 504,
    },
  );
}
