import { removeNetnsHosts } from '@msec/infra';
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
  // The launcher removes the cluster's namespaces as it stops; one that was killed leaves them for this.
  const network = state.network;
  const removed = network ? removeLeftNetwork(network.id, network.hosts) : [];
  clearRunState(home.stateFile);
  if (removed.length > 0) say(`removed the network the launcher left: ${removed.join(', ')}`);
  say(
    leftovers.length === 0
      ? 'stopped'
      : `stopped (killed ${leftovers.length} process(es) that did not stop in time: ${leftovers.join(', ')})`,
  );
}

function removeLeftNetwork(id: string, hosts: number): string[] {
  try {
    return removeNetnsHosts(id, hosts);
  } catch (error) {
    say(
      `could not remove the cluster's network namespaces (msh${id}-*, bridge msbr${id}): ${error instanceof Error ? error.message : String(error)}; run ./msec down as root`,
    );
    return [];
  }
}
