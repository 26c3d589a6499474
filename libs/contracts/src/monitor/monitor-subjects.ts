/** How many subject partitions telemetry is spread over; monitor instances own partitions by `p % shards`. */
export const MONITOR_PARTITIONS = 16;

/** JetStream stream that keeps telemetry on file storage so the monitor can replay after a crash. */
export const MONITOR_STATS_STREAM = {
  name: 'MSEC_STATS',
  subjects: ['msec.telemetry.stats.>'],
  /** Older telemetry is dropped by the server; the monitor's snapshots must be younger than this. */
  maxAgeHours: 72,
  /** Window in which a batch re-sent with the same message id is stored once. */
  duplicateWindowSeconds: 120,
} as const;

/** FNV-1a hash of a service name, stable across processes and languages. */
export function serviceHash(service: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < service.length; i++) {
    hash ^= service.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The partition a service's telemetry is published to. */
export function statsPartition(service: string): number {
  return serviceHash(service) % MONITOR_PARTITIONS;
}

/** The monitor shard (0 … shards-1) that owns a service. */
export function monitorShardOf(service: string, shards: number): number {
  return statsPartition(service) % Math.max(1, shards);
}

/** NATS subjects of monitoring, defined once. */
export const MonitorSubjects = {
  /** JetStream subject one StatsBatch is published to: `msec.telemetry.stats.<partition>.<service>`. */
  stats: (service: string): string => `msec.telemetry.stats.${statsPartition(service)}.${service}`,
  /** Every stats subject of one partition (a monitor shard filters on these). */
  statsPartition: (partition: number): string => `msec.telemetry.stats.${partition}.>`,
  curve: 'msec.monitor.curve',
  totals: 'msec.monitor.totals',
  top: 'msec.monitor.top',
  calls: 'msec.monitor.calls',
  services: 'msec.monitor.services',
  attrs: 'msec.monitor.attrs',
  hosts: 'msec.monitor.hosts',
  prometheus: 'msec.monitor.prometheus',
  rulesCreate: 'msec.monitor.rules.create',
  rulesUpdate: 'msec.monitor.rules.update',
  rulesDelete: 'msec.monitor.rules.delete',
  rulesList: 'msec.monitor.rules.list',
  alarmsList: 'msec.monitor.alarms.list',
  /** Judges alarm rules now (or at a given time): for operators and tests. */
  alarmsEvaluate: 'msec.monitor.alarms.evaluate',
  /** Empties the alarm rule and alarm read models and replays the monitor's events (admin). */
  rebuild: 'msec.monitor.rebuild',
  /** Raw (non-Nest) request subject a shard answers for queries forwarded by other shards. */
  shardQuery: (shard: number): string => `msec.monitor.shard.${shard}.query`,
  /** Event: an alarm started. */
  alarmEvent: 'msec.events.monitor.alarm',
  /** Event: an active alarm recovered. */
  recoveredEvent: 'msec.events.monitor.recovered',
} as const;
