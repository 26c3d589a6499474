import type { CapacityReport } from '@msec/contracts';
import { badArgs } from '../api/api.errors.js';
import { authenticatedClient } from '../api/api-target.js';
import { processIo, type CliIo } from '../api/cli-io.js';
import { textTable } from '../api/text-table.js';
import type { ParsedArgs } from '../cli-args.js';
import type { LauncherConfig } from '../launcher-config.js';
import { apiTarget } from './login.js';

/** Usage of `msec capacity`. */
export const CAPACITY_USAGE = `usage: ./msec capacity [SERVICE] [--target-cpu N] [--json] [--url URL]

  Per service: instances and hosts, calls per second (last 5 minutes), CPU and memory per instance (from the
  agents) and in total, and the instances needed to keep each at or under N % of a core (default 60), at least 2.
  Needs ./msec login (or MSEC_TOKEN).`;

const figure = (n: number | null, unit: string): string => (n === null ? '-' : `${n}${unit}`);

/** `msec capacity`: the capacity view of the console, through the gateway. */
export async function capacity(config: Pick<LauncherConfig, 'homeDir'>, args: ParsedArgs, io: CliIo = processIo()): Promise<number> {
  if (args.positionals[0] === 'help' || args.flags.help === true) {
    io.out(CAPACITY_USAGE);
    return 0;
  }
  const service = args.positionals[0];
  const target = args.flags['target-cpu'];
  if (target === true || (target !== undefined && !/^\d+$/.test(target)))
    throw badArgs(
      'target-cpu',
      `must be a whole percentage from 1 to 100, e.g. --target-cpu 60; got ${JSON.stringify(target)}`,
      CAPACITY_USAGE,
    );
  const client = authenticatedClient(apiTarget(config, args, io));
  const view = await client.request<CapacityReport>('GET', `/api/v1/capacity${target === undefined ? '' : `?targetCpu=${target}`}`);
  const services = view.services.filter((s) => service === undefined || s.service === service);
  if (args.flags.json === true) {
    io.out(JSON.stringify({ ...view, services }, null, 2));
    return 0;
  }
  if (services.length === 0) {
    io.out(service === undefined ? 'No service runs on a host yet.' : `${service} runs on no host.`);
    return service === undefined ? 0 : 1;
  }
  io.out(
    textTable(
      ['service', 'instances', 'hosts', 'calls/s', 'CPU', 'memory', 'suggested'],
      services.map((s) => [
        s.service,
        String(s.instances.length),
        String(s.hosts.length),
        figure(s.callsPerSecond, ''),
        `${s.cpuPercentTotal} %`,
        `${s.rssMbTotal} MB`,
        String(s.suggestedInstances),
      ]),
    ),
  );
  for (const s of services) {
    io.out(`\n${s.service}: ${s.rule}`);
    io.out(
      textTable(
        ['instance', 'host', 'CPU', 'memory'],
        s.instances.map((i) => [`${i.name}:${i.port}`, i.hostId, figure(i.cpuPercent, ' %'), figure(i.rssMb, ' MB')]),
      ),
    );
  }
  return 0;
}
