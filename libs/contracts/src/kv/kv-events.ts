/** kv-admin event types, appended to the event stream under `kv-admin.clusters`. */
export const KvEventType = {
  clusterRegistered: 'kv-admin.ClusterRegistered',
  clusterSeedsChanged: 'kv-admin.ClusterSeedsChanged',
  clusterUnregistered: 'kv-admin.ClusterUnregistered',
} as const;
/** One of KvEventType. */
export type KvEventType = (typeof KvEventType)[keyof typeof KvEventType];

/** Event-store subjects (under the event stream) of kv-admin's events. */
export const KvEventSubjects = {
  /** Every cluster registration change: one aggregate, so a name is registered once across kv-admin processes. */
  clusters: 'kv-admin.clusters',
  /** Every kv-admin event. */
  all: 'kv-admin.>',
} as const;

/** Payloads by kv-admin event type. */
export interface KvEventPayloads {
  'kv-admin.ClusterRegistered': {
    name: string;
    seeds: string[];
    hasPassword: boolean;
    /**
     * Where kv-admin keeps the cluster's sealed password (its own table), or null without one: the password, even
     * sealed, stays out of events that reach automation subscribers.
     */
    passwordRef: string | null;
  };
  'kv-admin.ClusterSeedsChanged': { name: string; seeds: string[] };
  'kv-admin.ClusterUnregistered': { name: string };
}
