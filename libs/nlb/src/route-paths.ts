/** Root of the service tree in ZooKeeper (to move to @msec/contracts). */
export const SERVICES_ROOT = '/msec/services';

/**
 * Znode layout, defined once:
 * `<root>/<First.Second>/instances/<ip:port>` persistent, JSON {ip, port, weight, enabled, protocol} — configured membership;
 * `<root>/<First.Second>/live/<ip:port>` ephemeral — the process is up;
 * `<root>/<First.Second>/traffic` persistent, JSON TrafficPolicy — the service's rate limits and its callers' breaker settings.
 */
export const RoutePaths = {
  root: SERVICES_ROOT,
  service: (service: string, root: string = SERVICES_ROOT): string => `${root}/${service}`,
  instances: (service: string, root: string = SERVICES_ROOT): string => `${root}/${service}/instances`,
  instance: (service: string, key: string, root: string = SERVICES_ROOT): string => `${root}/${service}/instances/${key}`,
  live: (service: string, root: string = SERVICES_ROOT): string => `${root}/${service}/live`,
  traffic: (service: string, root: string = SERVICES_ROOT): string => `${root}/${service}/traffic`,
  liveInstance: (service: string, key: string, root: string = SERVICES_ROOT): string => `${root}/${service}/live/${key}`,
} as const;
