import { invalidRoute, invalidServiceName } from './nlb.errors.js';
import { DEFAULT_WEIGHT, MAX_WEIGHT, MIN_WEIGHT, type RouteInstance } from './route-types.js';

const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** What an instance znode holds (liveness is not stored: it is the ephemeral node). */
export type ConfiguredInstance = Omit<RouteInstance, 'live'>;

/** Throws NLB_INVALID_SERVICE_NAME unless the name is `First.Second`. */
export function assertServiceName(name: string): void {
  if (!SERVICE_NAME.test(name)) throw invalidServiceName(name);
}

/** The bytes an instance znode holds. */
export function encodeRouteInstance(instance: ConfiguredInstance): Buffer {
  const { ip, port, weight, enabled, protocol, tags } = instance;
  return Buffer.from(JSON.stringify({ ip, port, weight, enabled, protocol, ...(tags && tags.length > 0 ? { tags } : {}) }));
}

/**
 * Parses and checks an instance znode. Throws NLB_INVALID_ROUTE (the cache skips such a node rather than
 * routing to a bad address). Weights outside 100..10000 are clamped, as MSEC does.
 */
export function decodeRouteInstance(path: string, data: Buffer | null | undefined): ConfiguredInstance {
  if (data === null || data === undefined || data.length === 0) throw invalidRoute(path, 'the znode has no data');
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch {
    throw invalidRoute(path, 'the data is not JSON');
  }
  if (typeof raw !== 'object' || raw === null) throw invalidRoute(path, 'the data is not a JSON object');
  const r = raw as Record<string, unknown>;
  if (typeof r.ip !== 'string' || !(IPV4.test(r.ip) || r.ip.includes(':'))) throw invalidRoute(path, 'ip must be an IPv4 or IPv6 address');
  if (typeof r.port !== 'number' || !Number.isInteger(r.port) || r.port < 1 || r.port > 65_535)
    throw invalidRoute(path, 'port must be 1..65535');
  const weight = r.weight === undefined ? DEFAULT_WEIGHT : r.weight;
  if (typeof weight !== 'number' || !Number.isFinite(weight)) throw invalidRoute(path, 'weight must be a number');
  const enabled = r.enabled ?? false;
  if (typeof enabled !== 'boolean') throw invalidRoute(path, 'enabled must be true or false');
  const protocol = r.protocol ?? 'msec';
  if (typeof protocol !== 'string') throw invalidRoute(path, 'protocol must be a string');
  const tags = r.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw invalidRoute(path, 'tags must be a list of strings');
  const instance: ConfiguredInstance = {
    ip: r.ip,
    port: r.port,
    weight: Math.min(MAX_WEIGHT, Math.max(MIN_WEIGHT, Math.round(weight))),
    enabled,
    protocol,
  };
  if (tags.length > 0) instance.tags = tags as string[];
  return instance;
}
