/** One instance of a service as the route table holds it. */
export interface RouteInstance {
  ip: string;
  port: number;
  /** Static weight, 100..10000 as in MSEC. */
  weight: number;
  /** Configured in: scale out sets true, scale in false. */
  enabled: boolean;
  /** Announced by a live process (ephemeral znode); services without a `live` folder count as live. */
  live: boolean;
  /** `msec` (frames), `http`, or whatever a heterogeneous service speaks. Default `msec`. */
  protocol: string;
  /** Tags routing rules send requests to (e.g. `v2`); absent or empty for an untagged instance. */
  tags?: readonly string[];
}

/** Weight bounds of MSEC. */
export const MIN_WEIGHT = 100;
export const MAX_WEIGHT = 10_000;
/** Weight of an instance whose route does not say. */
export const DEFAULT_WEIGHT = 1_000;

/** `ip:port`: how an instance is named in znodes and in selection stats. */
export function instanceKey(instance: { ip: string; port: number }): string {
  return `${instance.ip}:${instance.port}`;
}

/** True when calls may go to the instance: configured, enabled and live. */
export function isRoutable(instance: RouteInstance): boolean {
  return instance.enabled && instance.live;
}
