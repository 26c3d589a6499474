import type { HostView } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import type { CliIo } from '../api/cli-io.js';
import type { RestClient } from '../api/rest-client.js';
import type { ParsedArgs } from '../cli-args.js';

/** Usage of the maintenance subcommands of `msec hosts`. */
export const MAINTENANCE_USAGE = `  ./msec hosts offline HOST [--reason TEXT] [--drain-ms N]
                                                 take HOST out of routing and of new releases (admin); waits for
                                                 calls in flight (default 2000 ms); its instances keep running
  ./msec hosts online HOST                       route to HOST's instances again (admin)`;

/** What taking a host offline answers (HostOfflineReply of the gateway). */
interface HostOfflineReply {
  host: HostView;
  stillRouted: number;
  routingConfirmed: boolean;
  drainedMs: number;
}

function hostArg(args: ParsedArgs, sub: string): string {
  const hostId = args.positionals[1];
  if (!hostId) throw badArgs('HOST', `is missing: ./msec hosts ${sub} HOST (a host id as ./msec hosts lists it)`);
  return hostId;
}

/** `msec hosts offline HOST`: takes it out of routing, waits for calls in flight, and says what happened. */
export async function offlineHost(client: RestClient, args: ParsedArgs, io: CliIo, json: boolean): Promise<number> {
  const hostId = hostArg(args, 'offline');
  const reason = args.flags.reason;
  if (reason === true) throw badArgs('reason', 'needs a text: --reason "disk replacement"');
  const drain = args.flags['drain-ms'];
  if (drain === true || (drain !== undefined && !/^\d+$/.test(drain)))
    throw badArgs('drain-ms', `must be a whole number of milliseconds from 0 to 600000; got ${JSON.stringify(drain)}`);
  const body = { ...(reason ? { reason } : {}), ...(drain !== undefined ? { drainMs: Number(drain) } : {}) };
  const reply = await client.request<HostOfflineReply>('POST', `/api/v1/hosts/${encodeURIComponent(hostId)}/offline`, body);
  if (json) {
    io.out(JSON.stringify(reply, null, 2));
    return 0;
  }
  if (reply.routingConfirmed) {
    io.out(`Host ${hostId} is offline: callers no longer route to its instances, and calls in flight had ${reply.drainedMs} ms.`);
  } else {
    io.out(`Host ${hostId} is offline, but the registry did not confirm yet (${Math.max(0, reply.stillRouted)} instance(s) still routed);`);
    io.out('they leave routing as soon as it follows the change. Check with ./msec service list.');
  }
  io.out(`New releases leave it out until ./msec hosts online ${hostId}.`);
  return 0;
}

/** `msec hosts online HOST`. */
export async function onlineHost(client: RestClient, args: ParsedArgs, io: CliIo, json: boolean): Promise<number> {
  const hostId = hostArg(args, 'online');
  const host = await client.request<HostView>('POST', `/api/v1/hosts/${encodeURIComponent(hostId)}/online`, {});
  io.out(json ? JSON.stringify(host, null, 2) : `Host ${hostId} is online: its instances are routed again within seconds.`);
  return 0;
}
