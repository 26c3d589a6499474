import type { CallRow, CapacityReport, HostView, InstanceCapacity, ServiceCapacity } from '@msec/contracts';

/** Fewest instances a service is suggested: one can fail while the other serves. */
export const MIN_SUGGESTED_INSTANCES = 2;

const round1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * The suggested instance count for a target CPU per instance: enough instances that the CPU the service uses now,
 * spread evenly, keeps each at or under the target; never fewer than two.
 */
export function suggestInstances(cpuPercentTotal: number, targetCpuPercent: number): { count: number; rule: string } {
  const needed = Math.ceil(cpuPercentTotal / targetCpuPercent);
  const count = Math.max(MIN_SUGGESTED_INSTANCES, needed);
  const rule =
    `ceil(${round1(cpuPercentTotal)} % CPU in total / ${targetCpuPercent} % target per instance) = ${needed}` +
    (needed < MIN_SUGGESTED_INSTANCES ? `, at least ${MIN_SUGGESTED_INSTANCES} for redundancy` : '');
  return { count, rule };
}

/** Builds the capacity view from the hosts' last heartbeats and the call statistics of the window. */
export function capacityReport(
  hosts: readonly HostView[],
  calls: readonly CallRow[],
  targetCpuPercent: number,
  windowMs: number,
): CapacityReport {
  const byService = new Map<string, InstanceCapacity[]>();
  for (const host of hosts) {
    if (host.status !== 'up') continue;
    for (const i of host.instances) {
      const list = byService.get(i.service) ?? [];
      list.push({
        hostId: host.hostId,
        name: i.name,
        port: i.port,
        status: i.status,
        cpuPercent: i.cpuPercent ?? null,
        rssMb: i.rssMb ?? null,
      });
      byService.set(i.service, list);
    }
  }
  const requests = new Map<string, number>();
  for (const row of calls) requests.set(row.callee, (requests.get(row.callee) ?? 0) + row.requests);
  const services = [...byService.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, instances]): ServiceCapacity => {
      const cpuPercentTotal = round1(instances.reduce((sum, i) => sum + (i.cpuPercent ?? 0), 0));
      const rssMbTotal = round1(instances.reduce((sum, i) => sum + (i.rssMb ?? 0), 0));
      const { count, rule } = suggestInstances(cpuPercentTotal, targetCpuPercent);
      const served = requests.get(service);
      return {
        service,
        instances,
        hosts: [...new Set(instances.map((i) => i.hostId))].sort(),
        callsPerSecond: served === undefined ? null : round1(served / (windowMs / 1000)),
        cpuPercentTotal,
        rssMbTotal,
        suggestedInstances: count,
        rule,
      };
    });
  return { targetCpuPercent, windowMs, services };
}
