/** One instance as the capacity view shows it. */
export interface InstanceCapacity {
  hostId: string;
  name: string;
  port: number;
  status: string;
  /** % of one core since the agent's previous heartbeat; null until the agent has two readings. */
  cpuPercent: number | null;
  rssMb: number | null;
}

/** A service's capacity: where it runs, what it uses, what it serves and how many instances it needs. */
export interface ServiceCapacity {
  service: string;
  instances: InstanceCapacity[];
  hosts: string[];
  /** Requests per second over the window, from the call statistics (null when none were reported). */
  callsPerSecond: number | null;
  cpuPercentTotal: number;
  rssMbTotal: number;
  /** Instances that keep each one at or under the target CPU, at least two for redundancy. */
  suggestedInstances: number;
  /** How suggestedInstances was reached, in words. */
  rule: string;
}

/** The capacity view of every service running on a host. */
export interface CapacityReport {
  targetCpuPercent: number;
  /** The window calls per second are averaged over, ms. */
  windowMs: number;
  services: ServiceCapacity[];
}
