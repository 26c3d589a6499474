import type { LauncherConfig } from '../launcher-config.js';
import { msecHome } from '../paths.js';
import { clearRunState, pidAlive, readRunState } from '../launcher/run-state.js';
import { say } from '../output.js';

/** `msec down`: asks the launcher to stop everything, waits, and kills whatever is left (checked by pid). */
export async function down(config: LauncherConfig): Promise<void> {
  const home = msecHome(config.homeDir);
  const state = readRunState(home.stateFile);
  if (!state) {
    say('nothing is running');
    return;
  }
  const pids = [state.launcherPid, ...state.components.map((c) => c.pid)].filter((pid) => pid > 0);
  if (pidAlive(state.launcherPid)) process.kill(state.launcherPid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (pids.some(pidAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const leftovers = pids.filter(pidAlive);
  for (const pid of leftovers) process.kill(pid, 'SIGKILL');
  clearRunState(home.stateFile);
  say(
    leftovers.length === 0
      ? 'stopped'
      : `stopped (killed ${leftovers.length} process(es) that did not stop in time: ${leftovers.join(', ')})`,
  );
}
