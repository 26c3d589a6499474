import { MsecError } from '@msec/contracts';
import { authenticatedClient } from '../api/api-target.js';
import { processIo } from '../api/cli-io.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';

/** Services whose read models are event-sourced, with the admin REST endpoint that replays them. */
const REBUILDABLE: Record<string, string> = {
  registry: '/api/v1/admin/rebuild/registry',
  deploy: '/api/v1/admin/rebuild/deploy',
  monitor: '/api/v1/admin/rebuild/monitor',
  log: '/api/v1/admin/rebuild/log',
  'kv-admin': '/api/v1/admin/rebuild/kv-admin',
  gateway: '/api/v1/admin/rebuild/gateway',
};

/** `msec rebuild SERVICE`: empties the service's read model and replays its events from the start (admin, through REST). */
export async function rebuild(config: LauncherConfig, args: ParsedArgs): Promise<number> {
  const service = args.positionals[0];
  const path = service === undefined ? undefined : REBUILDABLE[service];
  if (path === undefined) {
    throw new MsecError('CLI_BAD_ARGS', `service: give one of ${Object.keys(REBUILDABLE).join(', ')} (got ${service ?? 'nothing'})`, {
      status: 400,
      data: { field: 'service' },
    });
  }
  const io = processIo();
  const result = await authenticatedClient(apiTarget(config, args, io)).request<Record<string, number>>('POST', path, {});
  io.out(
    `${service} rebuilt from its events: ${Object.entries(result)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}`,
  );
  return 0;
}
