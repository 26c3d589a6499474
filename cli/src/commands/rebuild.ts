import { MsecError, RegistrySubjects } from '@msec/contracts';
import { natsRequest } from '@msec/platform';
import type { LauncherConfig } from '../launcher-config.js';
import { connectForProbes } from '../launcher/health-probe.js';
import { readRunState } from '../launcher/run-state.js';
import { msecHome } from '../paths.js';
import { say } from '../output.js';

/** Services whose read models are event-sourced, with the subject that replays them. */
const REBUILDABLE: Record<string, string> = { registry: RegistrySubjects.rebuild };

/** `msec rebuild SERVICE`: empties the service's read model and replays its events from the start. */
export async function rebuild(config: LauncherConfig, service: string | undefined): Promise<number> {
  const subject = service === undefined ? undefined : REBUILDABLE[service];
  if (subject === undefined) {
    throw new MsecError('CLI_BAD_ARGS', `service: give one of ${Object.keys(REBUILDABLE).join(', ')} (got ${service ?? 'nothing'})`, { status: 400, data: { field: 'service' } });
  }
  const natsUrl = config.natsUrl || readRunState(msecHome(config.homeDir).stateFile)?.natsUrl;
  if (!natsUrl) throw new MsecError('CLI_NOT_RUNNING', 'msec is not running here; start it with ./msec up or set MSEC_NATS_URL', { status: 503 });
  const nc = await connectForProbes(natsUrl);
  try {
    const result = await natsRequest<Record<string, number>>(nc, subject, {}, 120_000);
    say(`${service} rebuilt from its events: ${Object.entries(result).map(([k, v]) => `${v} ${k}`).join(', ')}`);
    return 0;
  } finally {
    await nc.close();
  }
}
